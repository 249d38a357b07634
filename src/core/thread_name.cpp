#include "core/thread_name.hpp"

#include <pthread.h>

namespace blazeiot {

void name_this_thread(const char* name) {
  // Longer names are refused (ERANGE), not cut: callers use short ones. A failure only costs
  // the name.
  (void)pthread_setname_np(pthread_self(), name);
}

}  // namespace blazeiot

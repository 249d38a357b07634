#include "auth/sodium_init.hpp"

#include <sodium.h>

#include <stdexcept>

namespace blazeiot {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace blazeiot

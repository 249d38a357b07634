#pragma once
#include <stdexcept>

namespace blazeiot {

// The database could not do what was asked (connection lost, disk full, constraint broken
// by a bug). Every backend throws it; callers above storage catch only this.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace blazeiot

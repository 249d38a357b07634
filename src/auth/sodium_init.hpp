#pragma once

namespace blazeiot {

// Initialises libsodium once per process; throws std::runtime_error if it cannot.
void ensure_sodium();

}  // namespace blazeiot

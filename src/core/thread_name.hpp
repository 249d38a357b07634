#pragma once
// Names the calling thread, as `top -H`, `ps -L`, gdb and /proc/<pid>/task/<tid>/comm show it,
// so an operator can tell which part of the platform is busy. Linux keeps 15 characters.
namespace blazeiot {

void name_this_thread(const char* name);

}  // namespace blazeiot

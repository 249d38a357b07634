// What a first touch of memory costs on this machine, per 4 KiB page.
//
// On some virtual machines the host takes back guest memory that has not been used for a
// while (and memory the guest has never used is not backed yet), so the next touch of such a
// page costs a fault in the host as well: tens of microseconds instead of a fraction of one.
// A server that steps up its load then pays that for every page its larger working set and
// its socket buffers need, all at once. This prints the cost of each case so benchmark
// figures taken on the machine can be read with it; it changes nothing and asserts nothing.
//
// `--quick` prints one line instead, for the other benchmarks to print beside their figures:
// the cost of never-used memory and of a system call (on a VM whose kernel isolation flushes
// the TLB on every entry, a system call can cost ten times what it does on bare hardware).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

constexpr std::size_t kBytes = 64u << 20;
constexpr std::size_t kPage = 4096;
constexpr std::size_t kPages = kBytes / kPage;

double now_us() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Reads one byte of every page; returns microseconds per page.
double touch(const char* p) {
  const double start = now_us();
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBytes; i += kPage) sum += static_cast<const volatile char*>(p)[i];
  const double us = now_us() - start;
  if (sum == 12345) std::puts("");  // keeps the reads
  return us / kPages;
}

// Reads the whole file through `chunk`; returns microseconds per page, or -1 on an error.
double read_file(int fd, std::string& chunk) {
  const double start = now_us();
  for (std::size_t off = 0; off < kBytes; off += chunk.size())
    if (pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(off)) < 0) return -1;
  return (now_us() - start) / kPages;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

void report(const char* what, double us_per_page) {
  std::printf("  %-52s %8.2f us/page  (%6.1f ms per 64 MiB)\n", what, us_per_page,
              us_per_page * kPages / 1000);
}

char* map_anonymous(bool huge) {
  // 2 MiB-aligned so that MADV_HUGEPAGE can back every part of it with huge pages.
  void* p = std::aligned_alloc(2u << 20, kBytes);
  if (!p) {
    std::perror("aligned_alloc");
    std::exit(1);
  }
  madvise(p, kBytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return static_cast<char*>(p);
}

// Writes one byte of every page of memory never used before; returns microseconds per page.
double touch_fresh() {
  char* fresh = static_cast<char*>(
      mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (fresh == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  const double start = now_us();
  for (std::size_t i = 0; i < kBytes; i += kPage) fresh[i] = 1;
  const double us = now_us() - start;
  munmap(fresh, kBytes);
  return us / kPages;
}

// Microseconds per system call that does no work (getppid, called directly: no libc cache).
double null_syscall() {
  constexpr int kCalls = 200'000;
  const double start = now_us();
  for (int i = 0; i < kCalls; ++i) syscall(SYS_getppid);
  return (now_us() - start) / kCalls;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--quick") {
    std::printf("fresh memory %.2f us/page, system call %.2f us\n", touch_fresh(), null_syscall());
    return 0;
  }
  const std::string dir = argc > 1 ? argv[1] : "/tmp";

  std::puts("First touch of 64 MiB, per 4 KiB page:");
  report("never-used memory (fault + zeroing)", touch_fresh());
  for (bool huge : {false, true}) {
    char* p = map_anonymous(huge);
    std::memset(p, 1, kBytes);
    for (double idle : {0.0, 0.5, 1.0, 3.0}) {
      touch(p);  // warm
      sleep_s(idle);
      const std::string what = std::string(huge ? "2 MiB pages" : "4 KiB pages") +
                               ", in use, then idle " + std::to_string(idle).substr(0, 3) + " s";
      report(what.c_str(), touch(p));
    }
    std::free(p);
  }
  {
    std::string name = dir + "/cold_memory.XXXXXX";
    const int fd = mkstemp(name.data());
    if (fd < 0) {
      std::perror("mkstemp");
      return 1;
    }
    unlink(name.c_str());
    std::string chunk(1 << 20, 'x');
    for (std::size_t off = 0; off < kBytes; off += chunk.size())
      if (pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(off)) < 0) {
        std::perror("pwrite");
        return 1;
      }
    for (double idle : {0.0, 3.0}) {
      read_file(fd, chunk);  // warm
      sleep_s(idle);
      const double us_per_page = read_file(fd, chunk);
      if (us_per_page < 0) {
        std::perror("pread");
        return 1;
      }
      const std::string what =
          "file in the page cache, read() after idle " + std::to_string(idle).substr(0, 3) + " s";
      report(what.c_str(), us_per_page);
    }
    close(fd);
  }
  std::printf("A system call that does no work (getppid): %.2f us\n", null_syscall());
  return 0;
}

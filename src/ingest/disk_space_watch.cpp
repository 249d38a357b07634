#include "ingest/disk_space_watch.hpp"

#include <algorithm>
#include <utility>

namespace blazeiot {

namespace {
// The margin above the minimum before ingest goes on: a quarter of it, from 16 to 256 MiB
// (enough not to flap while a burst is committed; a large minimum needs no larger margin).
constexpr std::uint64_t kMinMargin = 16ull * 1024 * 1024;
constexpr std::uint64_t kMaxMargin = 256ull * 1024 * 1024;
}  // namespace

DiskSpaceWatch::DiskSpaceWatch(std::uint64_t min_free, Probe probe)
    : min_free_(min_free),
      resume_at_(min_free + std::clamp(min_free / 4, kMinMargin, kMaxMargin)),
      probe_(std::move(probe)) {}

DiskSpaceWatch::Change DiskSpaceWatch::check() {
  if (min_free_ == 0 || !probe_) return Change::none;
  last_free_ = probe_();
  if (!last_free_) return std::exchange(unreadable_, true) ? Change::none : Change::unreadable;
  unreadable_ = false;
  if (!low_ && *last_free_ < min_free_) {
    low_ = true;
    return Change::became_low;
  }
  if (low_ && *last_free_ >= resume_at_) {
    low_ = false;
    return Change::recovered;
  }
  return Change::none;
}

}  // namespace blazeiot

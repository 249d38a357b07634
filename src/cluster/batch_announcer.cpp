#include "cluster/batch_announcer.hpp"

#include <atomic>
#include <random>

#include "cluster/cluster_announcement.hpp"

namespace blazeiot {

namespace {
std::atomic<bool> g_enabled{false};
std::atomic<std::uint64_t> g_seq{1};
}  // namespace

void enable_batch_announcements() { g_enabled = true; }

bool batch_announcements_enabled() { return g_enabled.load(); }

std::uint64_t this_instance_id() {
  static const std::uint64_t id = [] {
    std::random_device rd;
    std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd();
    return v ? v : 1;
  }();
  return id;
}

std::vector<std::string> batch_announcements(const IngestBatch& batch) {
  if (!g_enabled.load()) return {};
  return encode_announcements(batch, this_instance_id(), g_seq, /*with_ota=*/false);
}

std::vector<std::string> event_announcements(const IngestBatch& batch) {
  return encode_announcements(batch, this_instance_id(), g_seq);
}

}  // namespace blazeiot

#include "ingest/rejection_summary.hpp"

#include <boost/json.hpp>

namespace blazeiot {

void RejectionSummary::record(std::string_view topic, RejectReason reason, std::string_view detail) {
  std::size_t first = topic.find('/');
  std::size_t second = first == std::string_view::npos ? first : topic.find('/', first + 1);
  std::string source(topic.substr(0, std::min<std::size_t>(second, 160)));
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= kMaxSources) source = "(other sources)";
    it = sources_.try_emplace(std::move(source)).first;
  }
  Counts& c = it->second;
  ++c.total;
  ++c.by_reason[to_string(reason)];
  c.last_detail.assign(detail.substr(0, 200));
}

std::vector<LogEntry> RejectionSummary::flush(EpochMs now, int interval_s) {
  std::vector<LogEntry> out;
  for (auto& [source, c] : sources_) {
    boost::json::object reasons;
    std::string text;
    for (const auto& [reason, n] : c.by_reason) {
      reasons[reason] = n;
      text += (text.empty() ? "" : ", ") + reason + " x" + std::to_string(n);
    }
    LogEntry e;
    e.category = "mqtt";
    e.level = "warn";
    e.source = source;
    e.message = "rejected " + std::to_string(c.total) + " message(s) from " + source +
                " in the last " + std::to_string(interval_s) + " s: " + text;
    e.details_json = boost::json::serialize(boost::json::object{
        {"count", c.total}, {"reasons", reasons}, {"last_error", c.last_detail}});
    e.timestamp = now;
    out.push_back(std::move(e));
  }
  sources_.clear();
  return out;
}

}  // namespace blazeiot

#include "cluster/cluster_announcement.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace blazeiot {
namespace json = boost::json;

namespace {

// Items are JSON arrays led by a tag; enums travel as their numeric value.
constexpr char kPresence = 'p', kSighting = 's', kReading = 'r', kOta = 'o', kLog = 'l';

void put(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;  // UTF-8 passes through: the ingest accepts only valid UTF-8
    }
  }
  out += '"';
}

void put(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void put(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

template <class T>
void put(std::string& out, const std::optional<T>& v) {
  if (v) {
    put(out, static_cast<std::conditional_t<std::is_integral_v<T>, std::int64_t, T>>(*v));
  } else {
    out += "null";
  }
}

void begin(std::string& out, char tag) {
  out += "[\"";
  out += tag;
  out += '"';
}

template <class... Fields>
void fields(std::string& out, const Fields&... f) {
  ((out += ',', put(out, f)), ...);
  out += ']';
}

std::int64_t num(EntityKind k) { return static_cast<std::int64_t>(k); }
std::int64_t num(Presence p) { return static_cast<std::int64_t>(p); }
std::int64_t num(SourceType s) { return static_cast<std::int64_t>(s); }

// Builds documents of whole items, each within the payload budget, and cuts an oversized
// one into fragments.
class Packer {
 public:
  Packer(std::uint64_t origin, std::atomic<std::uint64_t>& seq, std::size_t max_payload)
      : origin_(origin), seq_(seq), max_payload_(max_payload) {}

  std::string& item() {
    item_.clear();
    return item_;
  }

  void add_item() {
    // 2 for the brackets, 1 for a comma; the header is at most 16+1+16+1+10+1+10+1.
    const std::size_t budget = max_payload_ - 60;
    if (!doc_.empty() && doc_.size() + 1 + item_.size() + 1 > budget) flush();
    if (item_.size() + 2 > budget) {
      std::string single = "[" + item_ + "]";
      emit(single);
      return;
    }
    doc_ += doc_.empty() ? '[' : ',';
    doc_ += item_;
  }

  std::vector<std::string> finish() {
    flush();
    return std::move(out_);
  }

 private:
  void flush() {
    if (doc_.empty()) return;
    doc_ += ']';
    emit(doc_);
    doc_.clear();
  }

  void emit(const std::string& doc) {
    const std::uint64_t seq = seq_.fetch_add(1);
    const std::size_t room = max_payload_ - 60;
    std::vector<std::string_view> parts;
    std::string_view rest = doc;
    while (!rest.empty()) {
      std::size_t n = std::min(room, rest.size());
      // Never between the bytes of one UTF-8 character: the server checks the encoding.
      std::size_t cut = n;
      while (cut < rest.size() && cut > 0 && (static_cast<unsigned char>(rest[cut]) & 0xC0) == 0x80)
        --cut;
      if (cut > 0) n = cut;
      parts.push_back(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      char header[80];
      int len = std::snprintf(header, sizeof header, "%llx %llx %zu %zu\n",
                              static_cast<unsigned long long>(origin_),
                              static_cast<unsigned long long>(seq), i, parts.size());
      std::string payload;
      payload.reserve(static_cast<std::size_t>(len) + parts[i].size());
      payload.append(header, static_cast<std::size_t>(len));
      payload.append(parts[i]);
      out_.push_back(std::move(payload));
    }
  }

  std::uint64_t origin_;
  std::atomic<std::uint64_t>& seq_;
  std::size_t max_payload_;
  std::string item_;
  std::string doc_;
  std::vector<std::string> out_;
};

// Reading the items back; any deviation throws and drops the document.
struct Fields {
  const json::array& a;
  std::string text(std::size_t i) const { return std::string(a.at(i).as_string()); }
  std::int64_t int64(std::size_t i) const { return a.at(i).to_number<std::int64_t>(); }
  std::optional<std::int64_t> opt_int64(std::size_t i) const {
    if (a.at(i).is_null()) return std::nullopt;
    return int64(i);
  }
  std::optional<double> opt_double(std::size_t i) const {
    if (a.at(i).is_null()) return std::nullopt;
    return a.at(i).to_number<double>();
  }
  EntityKind kind(std::size_t i) const {
    auto v = int64(i);
    if (v < 0 || v > 2) throw std::invalid_argument("entity kind");
    return static_cast<EntityKind>(v);
  }
  Presence presence(std::size_t i) const {
    return int64(i) == num(Presence::online) ? Presence::online : Presence::offline;
  }
};

}  // namespace

std::vector<std::string> encode_announcements(const IngestBatch& batch, std::uint64_t origin,
                                              std::atomic<std::uint64_t>& seq, bool with_ota,
                                              std::size_t max_payload) {
  Packer packer(origin, seq, max_payload);
  // Presence changes before sightings: a receiver that learns "back online" from the same
  // batch then takes the sighting as nothing new.
  for (const PresenceChange& p : batch.presence) {
    std::string& out = packer.item();
    begin(out, kPresence);
    fields(out, num(p.kind), p.id, p.gateway_id, num(p.status), p.at);
    packer.add_item();
  }
  for (const EntitySighting& s : batch.sightings) {
    std::string& out = packer.item();
    begin(out, kSighting);
    fields(out, num(s.kind), s.id, s.gateway_id, s.seen_at);
    packer.add_item();
  }
  for (const Reading& r : batch.readings) {
    std::string& out = packer.item();
    begin(out, kReading);
    fields(out, num(r.source_type), r.source_id, r.gateway_id, r.type, r.value, r.data_json,
           r.received_at, r.device_time);
    packer.add_item();
  }
  for (const OtaResponse& o : batch.ota_responses) {
    if (!with_ota) break;
    std::string& out = packer.item();
    begin(out, kOta);
    fields(out, o.device_id, o.status, o.firmware_version, o.error, o.progress, o.received_at);
    packer.add_item();
  }
  for (const LogEntry& l : batch.logs) {
    std::string& out = packer.item();
    begin(out, kLog);
    fields(out, l.category, l.level, l.source, l.message, l.details_json, l.timestamp);
    packer.add_item();
  }
  return packer.finish();
}

std::optional<ClusterAnnouncement> AnnouncementDecoder::feed(std::string_view payload) {
  // Header: origin seq index count, space separated, ending at the first newline.
  std::size_t eol = payload.find('\n');
  if (eol == std::string_view::npos) {
    ++malformed_;
    return std::nullopt;
  }
  std::uint64_t origin = 0, seq = 0;
  std::size_t index = 0, count = 0;
  const char* p = payload.data();
  const char* end = payload.data() + eol;
  auto field = [&](auto& v, int base) {
    while (p < end && *p == ' ') ++p;
    auto [next, ec] = std::from_chars(p, end, v, base);
    p = next;
    return ec == std::errc();
  };
  if (!field(origin, 16)) {
    ++malformed_;
    return std::nullopt;
  }
  if (origin == own_) return std::nullopt;
  if (!field(seq, 16) || !field(index, 10) || !field(count, 10) || count == 0 || index >= count) {
    ++malformed_;
    return std::nullopt;
  }
  std::string_view body = payload.substr(eol + 1);
  if (count == 1) return parse(origin, body);

  auto key = std::make_pair(origin, seq);
  if (index == 0) {
    // A transaction's notifications arrive together, so at most a few documents are ever
    // half-assembled; anything older was cut off by a reconnect.
    if (partial_.size() > 64) partial_.clear();
    partial_[key] = Partial{std::string(body), 1};
    return std::nullopt;
  }
  auto it = partial_.find(key);
  if (it == partial_.end() || it->second.next != index) {
    if (it != partial_.end()) partial_.erase(it);
    ++malformed_;
    return std::nullopt;
  }
  it->second.text += body;
  if (++it->second.next < count) return std::nullopt;
  std::string text = std::move(it->second.text);
  partial_.erase(it);
  return parse(origin, text);
}

std::optional<ClusterAnnouncement> AnnouncementDecoder::parse(std::uint64_t origin,
                                                             std::string_view text) {
  try {
    json::value doc = json::parse(text);
    ClusterAnnouncement out;
    out.origin = origin;
    for (const json::value& v : doc.as_array()) {
      Fields f{v.as_array()};
      std::string_view tag = f.a.at(0).as_string();
      if (tag.size() != 1) throw std::invalid_argument("tag");
      switch (tag[0]) {
        case kPresence: {
          PresenceChange pc{f.kind(1), f.text(2), f.text(3), f.presence(4), f.int64(5)};
          out.events.emplace_back(std::in_place_type<PresenceChanged>,
                                  PresenceChanged{pc.kind, pc.id, pc.gateway_id, pc.status, pc.at});
          out.presence.push_back(std::move(pc));
          break;
        }
        case kSighting: {
          EntitySighting s;
          s.kind = f.kind(1);
          s.id = f.text(2);
          s.gateway_id = f.text(3);
          s.seen_at = f.int64(4);
          out.sightings.push_back(std::move(s));
          break;
        }
        case kReading: {
          Reading r;
          r.source_type =
              f.int64(1) == num(SourceType::node) ? SourceType::node : SourceType::device;
          r.source_id = f.text(2);
          r.gateway_id = f.text(3);
          r.type = f.text(4);
          r.value = f.opt_double(5);
          r.data_json = f.text(6);
          r.received_at = f.int64(7);
          r.device_time = f.opt_int64(8);
          out.events.emplace_back(std::in_place_type<ReadingStored>, ReadingStored{std::move(r)});
          break;
        }
        case kOta: {
          OtaResponse o;
          o.device_id = f.text(1);
          o.status = f.text(2);
          o.firmware_version = f.text(3);
          o.error = f.text(4);
          if (auto progress = f.opt_int64(5)) o.progress = static_cast<int>(*progress);
          o.received_at = f.int64(6);
          out.events.emplace_back(std::in_place_type<OtaStatusChanged>,
                                  OtaStatusChanged{std::move(o)});
          break;
        }
        case kLog: {
          LogEntry l;
          l.category = f.text(1);
          l.level = f.text(2);
          l.source = f.text(3);
          l.message = f.text(4);
          l.details_json = f.text(5);
          l.timestamp = f.int64(6);
          out.events.emplace_back(std::in_place_type<LogWritten>, LogWritten{std::move(l)});
          break;
        }
        default:
          break;  // an item a newer version added: skip it
      }
    }
    return out;
  } catch (const std::exception&) {
    ++malformed_;
    return std::nullopt;
  }
}

}  // namespace blazeiot

// libFuzzer harness for the streaming multipart/form-data parser. The first input byte picks a
// boundary, the second seeds a chunking; the rest is the body. The same body is parsed three
// ways (one chunk, random chunks, single bytes) and must give the same parts, the same data,
// the same result and the same error: chunk boundaries are an accident of the network and must
// never change what the parser sees. Other invariants: limits hold, a successful parse ends
// every part, a failed one says why, and the sink never gets data outside a part.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/multipart_parser.hpp"

namespace {

using namespace blazeiot;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Part {
  MultipartPartInfo info;
  std::string data;
  bool ended = false;

  bool operator==(const Part& o) const {
    return info.name == o.info.name && info.filename == o.info.filename &&
           info.has_filename == o.info.has_filename && info.content_type == o.info.content_type &&
           data == o.data && ended == o.ended;
  }
};

class Recorder final : public MultipartParser::Sink {
 public:
  bool on_part_begin(const MultipartPartInfo& info) override {
    check(parts.empty() || parts.back().ended);
    check(!info.name.empty());
    parts.push_back({info, {}, false});
    return info.name != "reject";  // reaches the sink-rejection path deterministically
  }
  bool on_part_data(std::string_view bytes) override {
    check(!parts.empty() && !parts.back().ended && !bytes.empty());
    parts.back().data += bytes;
    return true;
  }
  bool on_part_end() override {
    check(!parts.empty() && !parts.back().ended);
    parts.back().ended = true;
    return true;
  }
  std::vector<Part> parts;
};

struct Outcome {
  bool ok = false;
  std::string error;
  std::vector<Part> parts;
};

constexpr MultipartParser::Limits kLimits{4, 256};  // small, so the fuzzer reaches them

// Feeds `body` in chunks whose sizes `next_size` chooses, stopping at the first failure.
template <class NextSize>
Outcome run(const std::string& boundary, std::string_view body, NextSize next_size) {
  Recorder sink;
  MultipartParser parser(boundary, sink, kLimits);
  bool ok = true;
  while (ok && !body.empty()) {
    const std::size_t n = std::min(body.size(), next_size());
    ok = parser.feed(body.substr(0, n));
    body.remove_prefix(n);
  }
  if (!ok) check(!parser.feed("x") && !parser.done());  // failure is final
  if (ok) ok = parser.finish();
  check(ok == parser.done());
  check(ok == parser.error().empty());
  return {ok, parser.error(), std::move(sink.parts)};
}

const std::string kBoundaries[] = {"X", "ab", "----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                   "a'()+_,-./:=? z"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string& boundary = kBoundaries[data[0] % 4];
  std::uint64_t state = data[1] * 0x9E3779B97F4A7C15ull + size;
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  const Outcome whole = run(boundary, body, [&] { return body.size(); });
  const Outcome random = run(boundary, body, [&] {
    state ^= state << 13;  // xorshift64: cheap, deterministic per input
    state ^= state >> 7;
    state ^= state << 17;
    return state % 4 == 0 ? std::size_t{1} : std::size_t(state >> 8) % 97 + 1;
  });
  const Outcome bytes = run(boundary, body, [] { return std::size_t{1}; });

  for (const Outcome* o : {&random, &bytes}) {
    check(o->ok == whole.ok);
    check(o->error == whole.error);
    check(o->parts == whole.parts);
  }
  check(whole.parts.size() <= kLimits.max_parts);
  std::size_t total = 0;
  for (const Part& p : whole.parts) {
    if (whole.ok) check(p.ended);
    total += p.data.size();
  }
  check(total <= body.size());
  return 0;
}

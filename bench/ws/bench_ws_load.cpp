// Load generator for the /ws live stream (bench/ws/run.sh drives it; see bench/README.md).
//
//   bench_ws_load stream --ws-port P --token T --mqtt-port M [--clients 100] [--rates 1000,5000]
//                        [--seconds 10] [--devices 50] [--qos 1]
//     N clients subscribe to sensor_data; one MQTT connection publishes SensorData at each
//     rate in turn; every message carries its publish time, so each client measures
//     publish -> WebSocket latency and counts what it did not get.
//   bench_ws_load idle --ws-port P --token T [--clients 1000]
//     N clients connect and stay idle; prints {"event":"ready"} once all are connected and
//     holds them until its standard input says "close" or ends.
//
// Progress and results are JSON lines on standard output.
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "paced_publisher.hpp"
#include "ws_client_pool.hpp"

namespace blazeiot::bench {
namespace {

std::mutex output_mutex;

void emit(const std::string& line) {
  std::lock_guard lock(output_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// The integer after `"key":` in a flat JSON text, or -1. The platform serialises without
// spaces, and these keys occur once per message.
// Where `needle` first occurs in `text`, or null. glibc's memmem skips ahead by a hash of
// character pairs; std::string_view::find stops at every occurrence of the needle's first
// character, and in JSON that is every '"'. At 500,000 frames a second that comparing was a
// fifth of this tool's CPU, taken from the machine whose platform is being measured.
const char* find_text(std::string_view text, std::string_view needle) {
  return static_cast<const char*>(
      ::memmem(text.data(), text.size(), needle.data(), needle.size()));
}

long long int_field(std::string_view text, std::string_view quoted_key) {
  const char* at = find_text(text, quoted_key);
  if (!at) return -1;
  const char* p = at + quoted_key.size();
  const char* end = text.data() + text.size();
  long long v = 0;
  bool any = false;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    v = v * 10 + (*p - '0');
    any = true;
  }
  return any ? v : -1;
}

bool has_type(std::string_view text, std::string_view quoted_type) {
  return find_text(text, quoted_type) != nullptr;
}

std::string close_codes_json(const WsClientPool& pool) {
  std::ostringstream out;
  out << '{';
  bool first = true;
  for (auto [code, n] : pool.close_codes()) {
    out << (first ? "" : ",") << '"' << code << "\":" << n;
    first = false;
  }
  out << '}';
  return out.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + '"';
}

struct Common {
  std::string host = "127.0.0.1";
  int ws_port = 3000;
  std::string token;
  std::size_t clients = 100;
  std::size_t max_connecting = 64;
  double connect_timeout_s = 60;

  std::string target() const { return "/ws?token=" + token; }
};

struct StreamOptions {
  int mqtt_port = 1883;
  std::vector<double> rates{1000, 5000};
  double seconds = 10;
  // Idle time between phases. None by default: the load steps from one rate to the next, as
  // a plant's does. On a VM, memory left alone for half a second or more can cost tens of
  // microseconds per page at its next touch (bench/machine), so a phase that follows a gap
  // starts cold; its first second is reported apart for that reason.
  double gap_s = 0;
  double settle_s = 3;   // after the last phase: nothing new for this long = done
  int devices = 50;
  int qos = 1;
};

struct RunTally {
  // Every message's latency, apart for those published in the phase's first second and those
  // published after it; the whole phase's figures come from merging the two.
  std::vector<std::uint32_t> first_second_us;
  std::vector<std::uint32_t> later_us;
  std::vector<std::uint64_t> received;  // per client
  std::uint64_t sent = 0;
  PhaseReport report;
};

std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)];
}

int run_stream(const Common& common, const StreamOptions& options) {
  const std::size_t runs = options.rates.size();
  std::vector<RunTally> tallies(runs);
  for (auto& t : tallies) {
    t.received.assign(common.clients, 0);
    // Sized and written once before anything is measured: the pages are faulted in now, not
    // while the receive loop runs (a page fault can cost tens of microseconds on a VM).
    const double rate = options.rates[&t - tallies.data()];
    t.first_second_us.resize(static_cast<std::size_t>(rate) * common.clients);
    t.first_second_us.clear();
    t.later_us.resize(static_cast<std::size_t>(rate * options.seconds) * common.clients);
    t.later_us.clear();
  }
  std::size_t subscribed = 0;
  std::int64_t last_message_ns = 0;
  std::uint64_t stray = 0;  // sensor_data messages that belong to no phase
  WsClientPool* pool_ptr = nullptr;

  WsClientPool pool(common.host, common.ws_port, common.target(), common.clients,
                    common.max_connecting,
                    [&](std::size_t client, std::string_view text, std::int64_t now_ns) {
                      if (has_type(text, R"("type":"sensor_data")")) {
                        const long long run = int_field(text, R"("run":)");
                        const long long sent = int_field(text, R"("sent_ns":)");
                        const long long seq = int_field(text, R"("seq":)");
                        if (run < 1 || run > static_cast<long long>(runs) || sent < 0) {
                          ++stray;
                          return;
                        }
                        RunTally& t = tallies[static_cast<std::size_t>(run - 1)];
                        const auto latency =
                            static_cast<std::uint32_t>(std::max<long long>(0, now_ns - sent) / 1000);
                        if (seq >= 0 && static_cast<double>(seq) < options.rates[static_cast<std::size_t>(run - 1)])
                          t.first_second_us.push_back(latency);
                        else
                          t.later_us.push_back(latency);
                        ++t.received[client];
                        last_message_ns = now_ns;
                      } else if (has_type(text, R"("type":"connected")")) {
                        pool_ptr->send_text(client, R"({"type":"subscribe","channel":"sensor_data"})");
                      } else if (has_type(text, R"("type":"subscribed")")) {
                        ++subscribed;
                      }
                    });
  pool_ptr = &pool;
  pool.prefault_input_buffers();

  const std::int64_t connect_deadline =
      monotonic_ns() + static_cast<std::int64_t>(common.connect_timeout_s * 1e9);
  while (subscribed < common.clients && pool.failed() == 0 && pool.closed_by_server() == 0 &&
         monotonic_ns() < connect_deadline)
    pool.poll(50);
  emit("{\"event\":\"subscribed\",\"clients\":" + std::to_string(subscribed) +
       ",\"failed\":" + std::to_string(pool.failed()) +
       ",\"closed\":" + close_codes_json(pool) +
       ",\"error\":" + json_string(pool.last_error()) + "}");
  if (subscribed < common.clients) return 1;

  PacedPublisher publisher(common.host, options.mqtt_port, options.qos, options.devices);
  std::atomic<bool> publishing_done{false};
  std::string publish_error;
  std::thread publishing([&] {
    try {
      for (std::size_t i = 0; i < runs; ++i) {
        const int run = static_cast<int>(i) + 1;
        emit("{\"event\":\"phase_start\",\"run\":" + std::to_string(run) +
             ",\"rate\":" + std::to_string(options.rates[i]) + "}");
        tallies[i].report = publisher.publish({run, options.rates[i], options.seconds});
        tallies[i].sent = tallies[i].report.sent;
        publisher.wait_acknowledged(30);
        emit("{\"event\":\"phase_end\",\"run\":" + std::to_string(run) +
             ",\"sent\":" + std::to_string(tallies[i].sent) + "}");
        std::this_thread::sleep_for(std::chrono::duration<double>(i + 1 < runs ? options.gap_s : 0));
      }
    } catch (const std::exception& e) {
      publish_error = e.what();
    }
    publishing_done = true;
  });

  auto all_received = [&] {
    for (const RunTally& t : tallies)
      for (std::uint64_t r : t.received)
        if (r < t.sent) return false;
    return true;
  };
  const std::int64_t settle_ns = static_cast<std::int64_t>(options.settle_s * 1e9);
  std::int64_t done_at = 0;
  for (;;) {
    pool.poll(20);
    if (!publishing_done) continue;
    const std::int64_t now = monotonic_ns();
    if (done_at == 0) done_at = now;
    if (all_received()) break;
    if (now - std::max(last_message_ns, done_at) > settle_ns) break;
  }
  publishing.join();
  pool.close_all();

  std::ostringstream out;
  out << "{\"event\":\"result\",\"clients\":" << common.clients << ",\"runs\":[";
  for (std::size_t i = 0; i < runs; ++i) {
    RunTally& t = tallies[i];
    std::sort(t.first_second_us.begin(), t.first_second_us.end());
    std::sort(t.later_us.begin(), t.later_us.end());
    std::vector<std::uint32_t> latency_us(t.first_second_us.size() + t.later_us.size());
    std::merge(t.first_second_us.begin(), t.first_second_us.end(), t.later_us.begin(),
               t.later_us.end(), latency_us.begin());
    std::uint64_t lost_total = 0, lost_max = 0, lost_min = UINT64_MAX, with_loss = 0;
    for (std::uint64_t r : t.received) {
      const std::uint64_t lost = r >= t.sent ? 0 : t.sent - r;
      lost_total += lost;
      lost_max = std::max(lost_max, lost);
      lost_min = std::min(lost_min, lost);
      with_loss += lost > 0;
    }
    out << (i ? "," : "") << "{\"run\":" << i + 1 << ",\"rate\":" << options.rates[i]
        << ",\"sent\":" << t.sent << ",\"publish_s\":" << t.report.seconds
        << ",\"publisher_max_behind_ms\":" << t.report.max_behind_ms
        << ",\"received\":" << latency_us.size()
        << ",\"latency_us\":{\"p50\":" << percentile(latency_us, 0.5)
        << ",\"p90\":" << percentile(latency_us, 0.9)
        << ",\"p99\":" << percentile(latency_us, 0.99)
        << ",\"p999\":" << percentile(latency_us, 0.999)
        << ",\"max\":" << (latency_us.empty() ? 0 : latency_us.back())
        << "},\"first_second_us\":{\"p99\":" << percentile(t.first_second_us, 0.99)
        << ",\"max\":" << (t.first_second_us.empty() ? 0 : t.first_second_us.back())
        << "},\"later_us\":{\"p99\":" << percentile(t.later_us, 0.99)
        << ",\"max\":" << (t.later_us.empty() ? 0 : t.later_us.back())
        << "},\"lost_per_client\":{\"min\":" << lost_min
        << ",\"mean\":" << static_cast<double>(lost_total) / static_cast<double>(common.clients)
        << ",\"max\":" << lost_max << "},\"clients_with_loss\":" << with_loss << "}";
  }
  out << "],\"closed_by_server\":" << close_codes_json(pool) << ",\"stray\":" << stray
      << ",\"error\":" << json_string(publish_error) << "}";
  emit(out.str());
  return publish_error.empty() ? 0 : 1;
}

int run_idle(const Common& common) {
  std::size_t connected = 0;
  WsClientPool pool(common.host, common.ws_port, common.target(), common.clients,
                    common.max_connecting,
                    [&](std::size_t, std::string_view text, std::int64_t) {
                      if (has_type(text, R"("type":"connected")")) ++connected;
                    });
  const std::int64_t deadline =
      monotonic_ns() + static_cast<std::int64_t>(common.connect_timeout_s * 1e9);
  while (connected + pool.failed() + pool.closed_by_server() < common.clients &&
         monotonic_ns() < deadline)
    pool.poll(50);
  emit("{\"event\":\"ready\",\"connected\":" + std::to_string(connected) +
       ",\"failed\":" + std::to_string(pool.failed()) + ",\"closed\":" + close_codes_json(pool) +
       ",\"error\":" + json_string(pool.last_error()) + "}");

  // Hold the connections (answering the server's keep-alive pings) until told to stop.
  for (;;) {
    pool.poll(100);
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 0) > 0) {
      char buf[256];
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0 || std::string_view(buf, static_cast<std::size_t>(n)).find("close") !=
                        std::string_view::npos)
        break;
    }
  }
  const std::size_t dropped = pool.closed_by_server();
  pool.close_all();
  emit("{\"event\":\"done\",\"closed_by_server_while_idle\":" + std::to_string(dropped) +
       ",\"codes\":" + close_codes_json(pool) + "}");
  return 0;
}

}  // namespace
}  // namespace blazeiot::bench

int main(int argc, char** argv) {
  using namespace blazeiot::bench;
  CLI::App app{"WebSocket load generator for the BlazeIoT /ws stream"};
  app.require_subcommand(1);
  Common common;
  StreamOptions stream;
  auto add_common = [&common](CLI::App* sub) {
    sub->add_option("--host", common.host, "platform address");
    sub->add_option("--ws-port", common.ws_port, "platform HTTP port")->required();
    sub->add_option("--token", common.token, "JWT for ?token=")->required();
    sub->add_option("--clients", common.clients, "WebSocket clients");
    sub->add_option("--max-connecting", common.max_connecting, "handshakes in progress at once");
    sub->add_option("--connect-timeout", common.connect_timeout_s, "seconds to get everyone in");
  };
  CLI::App* stream_cmd = app.add_subcommand("stream", "latency and loss under a sensor_data flow");
  add_common(stream_cmd);
  stream_cmd->add_option("--mqtt-port", stream.mqtt_port, "broker port")->required();
  stream_cmd->add_option("--rates", stream.rates, "messages per second, one phase each")
      ->delimiter(',');
  stream_cmd->add_option("--seconds", stream.seconds, "length of each phase");
  stream_cmd->add_option("--gap", stream.gap_s, "pause between phases");
  stream_cmd->add_option("--settle", stream.settle_s, "quiet time that ends the last phase");
  stream_cmd->add_option("--devices", stream.devices, "distinct device ids");
  stream_cmd->add_option("--qos", stream.qos, "MQTT QoS of the publisher")->check(CLI::Range(0, 1));
  CLI::App* idle_cmd = app.add_subcommand("idle", "hold idle connections for a memory reading");
  add_common(idle_cmd);
  CLI11_PARSE(app, argc, argv);
  try {
    if (*stream_cmd) return run_stream(common, stream);
    return run_idle(common);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ws_load: %s\n", e.what());
    return 2;
  }
}

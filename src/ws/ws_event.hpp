#pragma once
// What the WebSocket stream sends for each platform event: the contract's JSON message,
// serialised once and shared by every client that receives it, plus what subscription
// filters and slow-client coalescing need to know about it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/events.hpp"

namespace blazeiot {

enum class WsChannel { devices, gateways, sensor_data, ota, logs };
inline constexpr int kWsChannelCount = 5;
inline constexpr WsChannel kAllWsChannels[kWsChannelCount] = {
    WsChannel::devices, WsChannel::gateways, WsChannel::sensor_data, WsChannel::ota,
    WsChannel::logs};
std::optional<WsChannel> parse_ws_channel(std::string_view name);
const char* to_string(WsChannel channel);

struct WsEvent {
  WsChannel channel = WsChannel::logs;
  // Messages with the same non-empty key supersede each other when a client falls behind
  // (the latest reading or status per source is what matters).
  std::shared_ptr<const std::string> coalesce_key;  // shared by every client's queue
  std::string device_id;     // for filters: the device, or the node's mac
  std::string gateway_id;
  std::string reading_type;
  std::shared_ptr<const std::string> text;
};

// nullopt for events the stream does not carry.
std::optional<WsEvent> to_ws_event(const PlatformEvent& event);

}  // namespace blazeiot

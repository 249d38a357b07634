#pragma once
// How firmware, OTA updates, campaigns and commands look on the wire.
#include <boost/json/value.hpp>

#include "domain/ota.hpp"

namespace blazeiot {

boost::json::value to_json(const Firmware& f);
boost::json::value to_json(const OtaUpdate& u);
boost::json::value to_json(const Campaign& c, const CampaignProgress& progress);
boost::json::value to_json(const Command& c);

}  // namespace blazeiot

#pragma once
// The OTA and command endpoints' view of the platform, and the functions that add them.
#include "app/platform_services.hpp"
#include "http/router.hpp"
#include "ota/command_service.hpp"
#include "ota/firmware_registry.hpp"
#include "ota/ota_service.hpp"

namespace blazeiot {

struct OtaApi {
  PlatformServices& services;
  FirmwareRegistry& registry;
  OtaService& ota;
  CommandService& commands;
  const DownloadSigner& links;
};

// /api/ota/... and the firmware downloads under /firmware/.
void add_ota_routes(Router& router, OtaApi& api);
// /api/commands/...
void add_command_routes(Router& router, OtaApi& api);

// The sink that receives POST /api/ota/firmware (multipart, or raw with the metadata in the
// query); sets `refusal` instead when the request cannot be an upload.
std::unique_ptr<BodySink> open_firmware_upload(OtaApi& api, ApiRequest& request,
                                               std::optional<ApiResult>& refusal);

}  // namespace blazeiot

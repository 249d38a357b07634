#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/dotenv.hpp"

using namespace blazeiot;

TEST(Config, DefaultsRunTheEmbeddedBroker) {
  Config c = load_config({}, {}, {});
  EXPECT_TRUE(c.mqtt.embedded);
  EXPECT_EQ(c.port, 3000);
  EXPECT_EQ(c.device_offline_timeout_s, 300);
  EXPECT_EQ(c.sqlite_path, "./data/blazeiot.db");
  EXPECT_EQ(c.mqtt.max_payload, 64u * 1024);
}

TEST(Config, EnvironmentWinsOverDotenvAndFlagsWinOverBoth) {
  Config c = load_config({{"PORT", "1000"}, {"LOG_LEVEL", "debug"}}, {{"PORT", "2000"}},
                         {{"PORT", "3001"}});
  EXPECT_EQ(c.port, 3001);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(load_config({{"PORT", "1000"}}, {{"PORT", "2000"}}, {}).port, 2000);
}

TEST(Config, MqttUrlParsesSchemeHostPortAndWinsOverHost) {
  Config c = load_config({}, {{"MQTT_URL", "mqtts://broker.example:8884"}, {"MQTT_HOST", "other"}}, {});
  EXPECT_FALSE(c.mqtt.embedded);
  EXPECT_TRUE(c.mqtt.tls);
  EXPECT_EQ(c.mqtt.host, "broker.example");
  EXPECT_EQ(c.mqtt.port, 8884);
}

TEST(Config, MqttHostDefaultsToTlsOn8883) {
  Config c = load_config({}, {{"MQTT_HOST", "x.hivemq.cloud"}}, {});
  EXPECT_TRUE(c.mqtt.tls);
  EXPECT_EQ(c.mqtt.port, 8883);
  Config plain = load_config({}, {{"MQTT_HOST", "h"}, {"MQTT_PORT", "1883"}}, {});
  EXPECT_FALSE(plain.mqtt.tls);
}

TEST(Config, BadValuesNameTheVariable) {
  auto message_for = [](std::map<std::string, std::string> env) {
    try {
      load_config({}, env, {});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_for({{"PORT", "abc"}}).find("PORT"), std::string::npos);
  EXPECT_NE(message_for({{"PORT", "70000"}}).find("PORT"), std::string::npos);
  EXPECT_NE(message_for({{"DEVICE_OFFLINE_TIMEOUT", "-1"}}).find("DEVICE_OFFLINE_TIMEOUT"), std::string::npos);
  EXPECT_NE(message_for({{"MQTT_URL", "http://x"}}).find("MQTT_URL"), std::string::npos);
  EXPECT_NE(message_for({{"DB_TYPE", "oracle"}}).find("DB_TYPE"), std::string::npos);
  EXPECT_NE(message_for({{"MQTT_TLS", "maybe"}, {"MQTT_HOST", "h"}}).find("MQTT_TLS"), std::string::npos);
  EXPECT_NE(message_for({{"TLS_CERT", "a.pem"}}).find("TLS_KEY"), std::string::npos);
  EXPECT_NE(message_for({{"MIN_FREE_DISK_MB", "-5"}}).find("MIN_FREE_DISK_MB"), std::string::npos);
  EXPECT_EQ(load_config({}, {}, {}).min_free_disk_mb, 256u);
  EXPECT_EQ(load_config({}, {{"MIN_FREE_DISK_MB", "0"}}, {}).min_free_disk_mb, 0u);
}

TEST(Dotenv, ParsesQuotesCommentsAndExport) {
  auto v = parse_dotenv(
      "# comment\nPORT=3001\nexport MQTT_HOST=broker\nJWT_SECRET=\"a b\\nc\"\n"
      "ADMIN_PASSWORD='x#y'\nLOG_LEVEL=debug # trailing\nEMPTY=\nnot a line\n");
  EXPECT_EQ(v["PORT"], "3001");
  EXPECT_EQ(v["MQTT_HOST"], "broker");
  EXPECT_EQ(v["JWT_SECRET"], "a b\nc");
  EXPECT_EQ(v["ADMIN_PASSWORD"], "x#y");
  EXPECT_EQ(v["LOG_LEVEL"], "debug");
  EXPECT_EQ(v["EMPTY"], "");
  EXPECT_EQ(v.count("not a line"), 0u);
}

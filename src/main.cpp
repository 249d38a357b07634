// blazeiot: the platform's one program. Subcommands serve, init-db, seed-admin, version.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string_view>

#include "app/platform.hpp"
#include "auth/password_process.hpp"
#include "auth/seed_admin_command.hpp"
#include "config/config.hpp"
#include "config/dotenv.hpp"

namespace {

// PORT -> --port, MQTT_URL -> --mqtt-url
std::string flag_name(const std::string& variable) {
  std::string f = "--";
  for (char c : variable) f += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return f;
}

// Started with stdin, stdout or stderr closed, the next file or socket we open would take that
// number, and log lines written to stdout/stderr would go into it.
void keep_standard_descriptors_open() {
  for (;;) {
    const int fd = ::open("/dev/null", O_RDWR);
    if (fd < 0) return;
    if (fd > STDERR_FILENO) {
      ::close(fd);
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Not a command for people: the platform runs its own binary this way to hash a password
  // in a process of its own (auth/password_process.hpp). Nothing is configured or logged.
  if (argc == 2 && std::string_view(argv[1]) == "password-worker")
    return blazeiot::password_worker_main();
  keep_standard_descriptors_open();
  CLI::App app{"BlazeIoT: Industrial IoT backend platform"};
  app.require_subcommand(1);
  std::string env_file = ".env";
  app.add_option("--env-file", env_file, "dotenv file read before the environment")
      ->capture_default_str();
  std::map<std::string, std::string> flags;
  for (const auto& v : blazeiot::config_variables()) {
    app.add_option_function<std::string>(
           flag_name(v.name), [&flags, name = std::string(v.name)](const std::string& value) {
             flags[name] = value;
           },
           std::string(v.description) + " (" + v.name + ")")
        ->group("Configuration (each overrides its environment variable)");
  }
  auto* serve_cmd = app.add_subcommand("serve", "run the platform");
  serve_cmd->fallthrough();
  auto* init_cmd = app.add_subcommand("init-db", "create or migrate the database, then exit");
  init_cmd->fallthrough();
  auto* seed_cmd = app.add_subcommand("seed-admin", "create or update a user (asks on a terminal)");
  seed_cmd->fallthrough();
  blazeiot::SeedAdminOptions seed;
  seed_cmd->add_option("--username", seed.username, "user name");
  seed_cmd->add_option("--email", seed.email, "e-mail address");
  seed_cmd->add_option("--password", seed.password,
                       "password (visible in the process list: prefer --password-stdin)");
  seed_cmd->add_flag("--password-stdin", seed.password_stdin, "read the password from stdin");
  seed_cmd->add_option("--role", seed.role, "admin or viewer")->capture_default_str();
  auto* backup_cmd = app.add_subcommand(
      "backup", "copy the SQLite database to a new file, also while the platform runs");
  backup_cmd->fallthrough();
  std::string backup_to;
  backup_cmd->add_option("destination", backup_to, "the copy's file name (must not exist)")
      ->required();
  auto* version_cmd = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);

  if (*version_cmd) {
    std::printf("blazeiot %s\n", BLAZEIOT_VERSION);
    return 0;
  }
  try {
    blazeiot::Config config = blazeiot::load_config(blazeiot::read_dotenv_file(env_file),
                                                     blazeiot::config_environment(), flags);
    if (*init_cmd) return blazeiot::init_db(config);
    if (*backup_cmd) return blazeiot::backup_db(config, backup_to);
    if (*seed_cmd) {
      auto storage = blazeiot::open_storage(config);
      storage->migrate();
      return blazeiot::run_seed_admin(*storage, config, seed);
    }
    return blazeiot::serve(config);
  } catch (const blazeiot::ConfigError& e) {
    std::fprintf(stderr, "Configuration error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Fatal: %s\n", e.what());
    return 1;
  }
}

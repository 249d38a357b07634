// /api/auth: login, who am I, change my password.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "auth/account_rules.hpp"
#include "auth/admin_bootstrap.hpp"
#include "auth/password_process.hpp"
#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

// Verified when the user does not exist, so that a missing account costs as long as a wrong
// password and the response time does not tell which usernames exist.
const std::string& decoy_hash(const PasswordHashing& passwords) {
  static const std::string hash = passwords.hash("decoy password that matches nothing");
  return hash;
}

std::optional<std::string> any_password(std::string_view p) {
  if (p.empty() || p.size() > 1024) return "must be 1 to 1024 characters";
  return std::nullopt;
}

ApiResult too_many_attempts(EpochMs wait_ms) {
  ApiResult r = error_result(429, "Too many failed login attempts; try again later");
  r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
  return r;
}

json::object public_user(const User& u) {
  return json::object{{"id", u.id}, {"username", u.username}, {"email", u.email}, {"role", u.role}};
}

ApiResult login(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto username = body.text("username", true, 1, 128);
  auto password = body.checked("password", true, any_password);
  if (auto bad = invalid(body.finish())) return *bad;

  if (EpochMs wait = ctx.login_throttle.wait_ms(*username, req.client); wait > 0)
    return too_many_attempts(wait);

  if (const auto* first = ctx.services.first_account) first->wait();
  UserStore& users = ctx.services.storage.users();
  auto user = users.find_by_username(*username);
  const PasswordHashing& passwords = ctx.services.passwords;
  const PasswordCheck check =
      passwords.verify(*password, user ? user->password_hash : decoy_hash(passwords));
  if (!user || !check.ok) {
    ctx.login_throttle.record_failure(*username, req.client);
    spdlog::warn("failed login for '{}' from {}", *username, req.client);
    return error_result(401, "Invalid credentials");
  }
  ctx.login_throttle.record_success(*username, req.client);
  if (check.needs_rehash)
    users.replace_password_hash(user->id, user->password_hash, passwords.hash(*password),
                                req.now);
  users.record_login(user->id, req.now);

  json::object o;
  o["success"] = true;
  o["token"] = ctx.jwt.issue(user->id, user->username, user->role, req.now);
  o["expires_in"] = ctx.jwt.lifetime_s();
  o["user"] = public_user(*user);
  return json_result(200, std::move(o));
}

ApiResult me(ApiContext& ctx, ApiRequest& req) {
  auto user = ctx.services.storage.users().find_by_id(req.user->id);
  if (!user) return error_result(401, "User no longer exists");
  json::value view = to_json(*user);
  ApiResult r = item_result(view);
  r.body.as_object()["user"] = std::move(view);  // the original's key, kept for its clients
  return r;
}

ApiResult change_password(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto current = body.checked("current_password", true, any_password);
  auto replacement = body.checked("new_password", true, password_problem);
  if (auto bad = invalid(body.finish())) return *bad;

  const std::string& account = req.user->username;
  if (EpochMs wait = ctx.login_throttle.wait_ms(account, req.client); wait > 0)
    return too_many_attempts(wait);
  UserStore& users = ctx.services.storage.users();
  auto user = users.find_by_id(req.user->id);
  if (!user) return error_result(401, "User no longer exists");
  if (!ctx.services.passwords.verify(*current, user->password_hash).ok) {
    ctx.login_throttle.record_failure(account, req.client);
    return validation_result({{"current_password", "is incorrect"}});
  }
  UserChanges changes;
  changes.password_hash = ctx.services.passwords.hash(*replacement);
  // After the hashing (a good part of a second): a token issued meanwhile is revoked too.
  const EpochMs changed_at = ctx.services.clock.now_ms();
  users.update(user->id, changes, changed_at);
  ctx.services.log.info("auth", user->username, "Password changed");
  // Tokens issued before this instant, this request's included, stop working; the caller gets
  // a new one so that changing a password does not log it out.
  ApiResult r = message_result("Password changed; other sessions have been signed out");
  r.body.as_object()["token"] = ctx.jwt.issue(user->id, user->username, user->role, changed_at);
  return r;
}

}  // namespace

void add_auth_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::post, "/api/auth/login", Access::anyone, ctx, login, true));
  router.add(api_route(verb::get, "/api/auth/me", Access::user, ctx, me));
  router.add(api_route(verb::put, "/api/auth/password", Access::user, ctx, change_password, true));
}

}  // namespace blazeiot

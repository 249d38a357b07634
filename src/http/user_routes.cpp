// /api/users: account management, admins only.
#include <boost/json.hpp>
#include <charconv>

#include "auth/account_rules.hpp"
#include "auth/password_process.hpp"
#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

std::optional<std::int64_t> user_id(const ApiRequest& req) {
  std::string_view s = req.param("id");
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size() || id <= 0) return std::nullopt;
  return id;
}

ApiResult user_not_found() { return error_result(404, "User not found"); }
ApiResult last_admin() {
  return error_result(409, "The last admin cannot be removed or lose the admin role");
}

ApiResult list_users(ApiContext& ctx, ApiRequest&) {
  json::array data;
  for (const User& u : ctx.services.storage.users().list()) data.push_back(to_json(u));
  return list_result(std::move(data));
}

ApiResult get_user(ApiContext& ctx, ApiRequest& req) {
  auto id = user_id(req);
  if (!id) return user_not_found();
  auto user = ctx.services.storage.users().find_by_id(*id);
  if (!user) return user_not_found();
  return item_result(to_json(*user));
}

ApiResult create_user(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto username = body.checked("username", true, username_problem);
  auto email = body.checked("email", true, email_problem);
  auto password = body.checked("password", true, password_problem);
  auto role = body.one_of("role", false, {"admin", "viewer"});
  if (auto bad = invalid(body.finish())) return *bad;

  User u;
  u.username = *username;
  u.email = *email;
  u.role = role.value_or("viewer");
  u.password_hash = ctx.services.passwords.hash(*password);
  u.created_at = u.updated_at = req.now;
  std::int64_t id = 0;
  if (ctx.services.storage.users().create(u, id) == UserWriteResult::username_taken)
    return error_result(409, "A user with this username already exists");
  u.id = id;
  ctx.services.log.info("auth", req.user->username,
                        "User '" + u.username + "' created with role " + u.role);
  return item_result(to_json(u), 201);
}

ApiResult update_user(ApiContext& ctx, ApiRequest& req) {
  auto id = user_id(req);
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  UserChanges changes;
  changes.email = body.checked("email", false, email_problem);
  changes.role = body.one_of("role", false, {"admin", "viewer"});
  auto password = body.checked("password", false, password_problem);
  auto errors = body.finish();
  if (errors.empty() && !changes.email && !changes.role && !password)
    errors.push_back({"body", "must contain at least one of email, role, password"});
  if (auto bad = invalid(errors)) return *bad;
  if (!id) return user_not_found();
  if (password) changes.password_hash = ctx.services.passwords.hash(*password);

  UserStore& users = ctx.services.storage.users();
  // The clock after the hashing: tokens issued while it ran are revoked too.
  switch (users.update(*id, changes, password ? ctx.services.clock.now_ms() : req.now)) {
    case UserWriteResult::not_found:
      return user_not_found();
    case UserWriteResult::last_admin:
      return last_admin();
    default:
      break;
  }
  auto user = users.find_by_id(*id);
  if (!user) return user_not_found();
  ctx.services.log.info("auth", req.user->username, "User '" + user->username + "' updated");
  return item_result(to_json(*user));
}

ApiResult delete_user(ApiContext& ctx, ApiRequest& req) {
  auto id = user_id(req);
  if (!id) return user_not_found();
  if (*id == req.user->id) return error_result(409, "You cannot delete your own account");
  UserStore& users = ctx.services.storage.users();
  auto user = users.find_by_id(*id);
  if (!user) return user_not_found();
  switch (users.remove(*id)) {
    case UserWriteResult::not_found:
      return user_not_found();
    case UserWriteResult::last_admin:
      return last_admin();
    default:
      break;
  }
  ctx.services.log.info("auth", req.user->username, "User '" + user->username + "' deleted");
  return message_result("User deleted");
}

}  // namespace

void add_user_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::get, "/api/users", Access::admin, ctx, list_users));
  router.add(api_route(verb::get, "/api/users/:id", Access::admin, ctx, get_user));
  router.add(api_route(verb::post, "/api/users", Access::admin, ctx, create_user, true));
  router.add(api_route(verb::put, "/api/users/:id", Access::admin, ctx, update_user, true));
  router.add(api_route(verb::delete_, "/api/users/:id", Access::admin, ctx, delete_user));
}

}  // namespace blazeiot

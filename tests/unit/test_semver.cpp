#include "domain/semver.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace blazeiot {
namespace {

SemVer v(std::string_view text) {
  auto parsed = parse_semver(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(SemVer{});
}

TEST(SemVer, ParsesAllParts) {
  const SemVer a = v("1.22.333-alpha.1.x-y+build.007.sha-5");
  EXPECT_EQ(a.major, 1u);
  EXPECT_EQ(a.minor, 22u);
  EXPECT_EQ(a.patch, 333u);
  EXPECT_EQ(a.prerelease, (std::vector<std::string>{"alpha", "1", "x-y"}));
  EXPECT_EQ(a.build, (std::vector<std::string>{"build", "007", "sha-5"}));
  EXPECT_EQ(to_string(a), "1.22.333-alpha.1.x-y+build.007.sha-5");

  const SemVer b = v("0.0.0");
  EXPECT_TRUE(b.prerelease.empty());
  EXPECT_TRUE(b.build.empty());
  EXPECT_EQ(v("18446744073709551615.0.0").major, 18446744073709551615u);
  EXPECT_EQ(v("1.0.0-0a").prerelease, (std::vector<std::string>{"0a"}));  // not numeric
  EXPECT_EQ(v("1.0.0-alpha-1").prerelease, (std::vector<std::string>{"alpha-1"}));
  EXPECT_EQ(v("1.0.0+x-1").build, (std::vector<std::string>{"x-1"}));
  EXPECT_EQ(v("1.0.0----").prerelease, (std::vector<std::string>{"---"}));
}

TEST(SemVer, RejectsInvalid) {
  for (const char* text :
       {"", "v1.0.0", "V1.0.0", "1", "1.0", "1.0.0.0", "01.0.0", "1.02.0", "1.0.00", "1.0.0-",
        "1.0.0+", "1.0.0-01", "1.0.0-alpha..1", "1.0.0-alpha.", "1.0.0+a..b", "1.0.0-al_pha",
        "1.0.0+a+b", " 1.0.0", "1.0.0 ", "1.0.-1", "-1.0.0", "1..0", "a.b.c", "1.0.0-ä",
        "18446744073709551616.0.0", "1.0.0-alpha+", ".1.0.0", "1.0.0."})
    EXPECT_FALSE(parse_semver(text)) << text;
  const std::string at_limit = "1.0.0-" + std::string(58, 'a');  // 64 characters
  EXPECT_TRUE(parse_semver(at_limit));
  EXPECT_FALSE(parse_semver(at_limit + "a"));
}

TEST(SemVer, Precedence) {
  // semver.org item 11, in ascending order.
  const std::vector<std::string> ordered = {
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
      "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.9.0", "1.10.0", "2.0.0",
      "10.0.0"};
  for (std::size_t i = 0; i < ordered.size(); ++i)
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      const int c = compare_semver(v(ordered[i]), v(ordered[j]));
      EXPECT_EQ(c < 0, i < j) << ordered[i] << " vs " << ordered[j];
      EXPECT_EQ(c == 0, i == j) << ordered[i] << " vs " << ordered[j];
      EXPECT_EQ(c > 0, i > j) << ordered[i] << " vs " << ordered[j];
    }
}

TEST(SemVer, PrecedenceDetails) {
  EXPECT_EQ(compare_semver(v("1.0.0+build.1"), v("1.0.0+build.2")), 0);  // build ignored
  EXPECT_EQ(compare_semver(v("1.0.0-rc.1+a"), v("1.0.0-rc.1")), 0);
  EXPECT_LT(compare_semver(v("1.0.0-2"), v("1.0.0-10")), 0);      // numerically
  EXPECT_LT(compare_semver(v("1.0.0-999"), v("1.0.0-a")), 0);     // numeric below alphanumeric
  EXPECT_LT(compare_semver(v("1.0.0-Z"), v("1.0.0-a")), 0);       // ASCII order
  EXPECT_LT(compare_semver(v("1.0.0-a-1"), v("1.0.0-a1")), 0);    // '-' < '1'
  EXPECT_LT(compare_semver(v("1.0.0-99999999999999999999"), v("1.0.0-100000000000000000000")),
            0);  // numeric identifiers beyond 64 bits still compare by value
  EXPECT_GT(compare_semver(v("1.2.3"), v("1.2.3-rc.1")), 0);
}

}  // namespace
}  // namespace blazeiot

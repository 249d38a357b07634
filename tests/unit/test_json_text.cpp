#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json_text.hpp"

using blazeiot::json_text;

TEST(JsonText, DoublesInShortestPlainForm) {
  EXPECT_EQ(json_text(boost::json::parse(R"({"v":25.5,"u":3.91,"n":-0.001,"i":7})")),
            R"({"v":25.5,"u":3.91,"n":-0.001,"i":7})");
  EXPECT_EQ(json_text(boost::json::value(1e21)), "1e+21");
  EXPECT_EQ(json_text(boost::json::value(48.0)), "48.0");
  EXPECT_TRUE(boost::json::parse(json_text(boost::json::value(48.0))).is_double());
}

TEST(JsonText, StringsAreEscapedAndStructureKept) {
  boost::json::value v = boost::json::parse(R"({"a":["x\"y\n",true,null,{"b":1.5}],"k\u0001":"\u00e9"})");
  std::string text = json_text(v);
  EXPECT_EQ(boost::json::parse(text), v);
  EXPECT_NE(text.find(R"(\")"), std::string::npos);
  EXPECT_NE(text.find("1.5"), std::string::npos);
}

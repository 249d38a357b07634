#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json_text.hpp"
#include "core/json_writer.hpp"

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

TEST(JsonWriter, WritesWhatJsonTextWrites) {
  std::string out;
  blazeiot::JsonWriter w(out);
  w.begin_object().field("s", "a\"b\\c\n\x01").key("d").number(48.0).field("i", std::int64_t{-7});
  w.key("n").null().field("b", true).key("a").begin_array().integer(1).number(2.5).end_array();
  w.key("raw").raw(R"({"x":[1,2]})").key("t").iso_time(1730543400123).end_object();
  EXPECT_EQ(out, R"({"s":"a\"b\\c\n\u0001","d":48.0,"i":-7,"n":null,"b":true,"a":[1,2.5],)"
                 R"("raw":{"x":[1,2]},"t":"2024-11-02T10:30:00.123Z"})");
  boost::json::value v = boost::json::parse(out);
  EXPECT_EQ(json_text(v), out);
}

TEST(JsonWriter, EmptyContainersAndNesting) {
  std::string out;
  blazeiot::JsonWriter w(out);
  w.begin_array().begin_object().end_object().begin_array().end_array().begin_object();
  w.key("k").begin_object().end_object().end_object().end_array();
  EXPECT_EQ(out, R"([{},[],{"k":{}}])");
}

TEST(JsonWriter, ValidityCheckWithoutBuilding) {
  using blazeiot::is_valid_json;
  EXPECT_TRUE(is_valid_json(R"({"a":[1,2,{"b":null}],"c":"\u00e9"})"));
  EXPECT_TRUE(is_valid_json("42"));
  for (const char* bad : {"", "{", R"({"a":1}x)", R"({"a":1},)", "[1,]", "{'a':1}", "nul",
                          "\"\xff\"", "{\"a\":1} {}"})
    EXPECT_FALSE(is_valid_json(bad)) << bad;
}

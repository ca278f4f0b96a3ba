// The HTML side-by-side schema diff: escaped, self-contained, both missing sides.
#include <chrono>

#include <gtest/gtest.h>

#include "../../cli/html_diff.hpp"
#include "../../cli/report_file.hpp"

using namespace ivory::cli;

namespace {

SchemaDiffReport report_with(std::vector<SchemaDiffRow> rows) {
    SchemaDiffReport report;
    report.source_description = "host=src dbname=app";
    report.target_description = "host=dst dbname=app";
    report.generated_at = "2024-05-01 12:00:00 UTC";
    report.rows = std::move(rows);
    return report;
}

size_t count(const std::string &text, const std::string &part) {
    size_t found = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++found;
    return found;
}

} // namespace

TEST(CliHtmlDiff, EscapesTheFiveSpecialCharacters) {
    EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"),
              "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    EXPECT_EQ(html_escape("plain ünï"), "plain ünï");
}

TEST(CliHtmlDiff, EveryValueIsEscaped) {
    const std::string page = render_schema_diff_html(report_with(
        {{"table<", "public.\"<script>alert('x')</script>\"", "owner&", "a<b", "a>b"}}));
    EXPECT_EQ(page.find("<script>"), std::string::npos);
    EXPECT_NE(page.find("public.&quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;"),
              std::string::npos);
    EXPECT_NE(page.find("table&lt;"), std::string::npos);
    EXPECT_NE(page.find("owner&amp;"), std::string::npos);
}

TEST(CliHtmlDiff, IsSelfContained) {
    const std::string page = render_schema_diff_html(report_with({}));
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_NE(page.find("<style>"), std::string::npos);
    for (const char *external : {"<link", "<script", "src=", "href=", "http:", "https:", "url("})
        EXPECT_EQ(page.find(external), std::string::npos) << external;
    EXPECT_NE(page.find("No differences."), std::string::npos);
}

TEST(CliHtmlDiff, HeaderNamesBothSidesAndTheTime) {
    const std::string page = render_schema_diff_html(report_with({}));
    EXPECT_NE(page.find("host=src dbname=app"), std::string::npos);
    EXPECT_NE(page.find("host=dst dbname=app"), std::string::npos);
    EXPECT_NE(page.find("2024-05-01 12:00:00 UTC"), std::string::npos);
}

TEST(CliHtmlDiff, MissingOnEitherSide) {
    const std::string page = render_schema_diff_html(report_with({
        {"table", "public.only_on_target", "", std::nullopt, ""},
        {"index", "public.only_on_source_idx", "", "", std::nullopt},
    }));
    EXPECT_EQ(count(page, "<tr><td class=\"object\">"), 2u);
    EXPECT_NE(page.find("<td class=\"value source missing\">missing</td>"
                        "<td class=\"value target present\">present</td>"),
              std::string::npos);
    EXPECT_NE(page.find("<td class=\"value source present\">present</td>"
                        "<td class=\"value target missing\">missing</td>"),
              std::string::npos);
}

TEST(CliHtmlDiff, AnAttributeMissingOnOneSideShowsTheOtherValue) {
    const std::string page = render_schema_diff_html(
        report_with({{"column", "public.t.c", "default", "nextval('s')", std::nullopt}}));
    EXPECT_NE(page.find("<td class=\"value source\">nextval(&#39;s&#39;)</td>"
                        "<td class=\"value target missing\">missing</td>"),
              std::string::npos);
}

TEST(CliHtmlDiff, DifferingPartIsHighlighted) {
    const std::string page = render_schema_diff_html(
        report_with({{"column", "public.orders.total", "type", "numeric(12,2)", "numeric"}}));
    EXPECT_NE(page.find("<td class=\"value source changed\">numeric<mark>(12,2)</mark></td>"),
              std::string::npos);
    // Nothing of the target's value differs beyond what the source lacks.
    EXPECT_NE(page.find("<td class=\"value target changed\">numeric</td>"), std::string::npos);
}

TEST(CliHtmlDiff, HighlightNeverSplitsAUnicodeCharacter) {
    // "é" and "è" share their first UTF-8 byte.
    const std::string page = render_schema_diff_html(
        report_with({{"table", "public.café", "comment", "café ✓", "cafè ✓"}}));
    EXPECT_NE(page.find("public.café"), std::string::npos);
    EXPECT_NE(page.find("caf<mark>é</mark> ✓"), std::string::npos) << page;
    EXPECT_NE(page.find("caf<mark>è</mark> ✓"), std::string::npos) << page;
}

TEST(CliHtmlDiff, UnicodeNamesPassThrough) {
    const std::string page = render_schema_diff_html(
        report_with({{"table", "public.\"数据表\"", "", std::nullopt, ""}}));
    EXPECT_NE(page.find("public.&quot;数据表&quot;"), std::string::npos);
}

TEST(CliHtmlDiff, EmptyValueIsShownAsEmpty) {
    const std::string page =
        render_schema_diff_html(report_with({{"table", "public.t", "comment", "", "note"}}));
    EXPECT_NE(page.find("<td class=\"value source changed\"><span class=\"empty\">(empty)</span>"),
              std::string::npos);
}

TEST(CliReportFile, PathTemplateIsInTmpdirWithUtcTime) {
    const auto when = std::chrono::system_clock::from_time_t(1714564923); // 2024-05-01 12:02:03 UTC
    EXPECT_EQ(schema_diff_path_template("", when),
              "/tmp/ivory-schema-diff-20240501-120203-XXXXXX.html");
    EXPECT_EQ(schema_diff_path_template("/var/tmp/", when),
              "/var/tmp/ivory-schema-diff-20240501-120203-XXXXXX.html");
    EXPECT_EQ(utc_timestamp(when), "2024-05-01 12:02:03 UTC");
}

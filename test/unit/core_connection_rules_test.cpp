// Issue 14: what a non-superuser's connection string may not hold, the
// connection string handed to pg_dump, connect_timeout, the target's version
// rule and checked access to the first row of a result.
#include <gtest/gtest.h>

#include "../../src/core/conninfo.hpp"
#include "../../src/core/error.hpp"
#include "../../src/core/rows.hpp"
#include "../../src/core/server_versions.hpp"

using namespace ivory;

namespace {

std::string refused_keyword(const std::string &conninfo) {
    const std::optional<RefusedOption> refused = option_refused_for_non_superusers(conninfo);
    return refused ? refused->keyword : "";
}

} // namespace

TEST(RefusedForNonSuperusers, SeveralHostsServicesPassfilesAndServerFiles) {
    EXPECT_EQ(refused_keyword("host=a,b port=5432 target_session_attrs=read-write password=x"),
              "host");
    EXPECT_EQ(refused_keyword("hostaddr=127.0.0.1,127.0.0.2 password=x"), "hostaddr");
    EXPECT_EQ(refused_keyword("postgresql://u:x@a:1,b:2/db"), "host");
    EXPECT_EQ(refused_keyword("host=a port=1,2 password=x"), "port");
    EXPECT_EQ(refused_keyword("service=elsewhere password=x"), "service");
    EXPECT_EQ(refused_keyword("host=a passfile=/var/lib/postgresql/.pgpass"), "passfile");
    for (const char *keyword : {"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir"})
        EXPECT_EQ(refused_keyword(std::string("host=a password=x ") + keyword + "=/etc/some/file"),
                  keyword);
}

TEST(RefusedForNonSuperusers, OneServerWithAPasswordIsFine) {
    EXPECT_EQ(refused_keyword("host=a port=5432 dbname=d user=u password=x sslmode=require"), "");
    EXPECT_EQ(refused_keyword("postgresql://u:x@a:5432/db?sslmode=verify-full"), "");
    // sslrootcert=system names no file of the server's (libpq 16+).
    EXPECT_EQ(refused_keyword("host=a password=x sslrootcert=system"), "");
}

TEST(RefusedForNonSuperusers, TheReasonSaysWhy) {
    const auto refused = option_refused_for_non_superusers("service=s password=x");
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->reason.find("service"), std::string::npos);
}

TEST(PinnedConninfo, ReachesExactlyTheServerAndUserThatWereChecked) {
    const std::vector<std::pair<std::string, std::string>> effective = {
        {"host", "a,b"},
        {"port", "1,5432"},
        {"user", "u"},
        {"password", "secret"},
        {"passfile", "/home/x/.pgpass"},
        {"service", "s"},
        {"target_session_attrs", "read-write"},
        {"dbname", "d"},
        {"sslmode", "verify-full"},
        {"connect_timeout", "10"}};
    const std::string pinned =
        pinned_conninfo(effective, ReachedServer{"b", "10.0.0.2", "5432", "u", "d"});
    EXPECT_EQ(conninfo_value(pinned, "host"), "b");
    EXPECT_EQ(conninfo_value(pinned, "hostaddr"), "10.0.0.2");
    EXPECT_EQ(conninfo_value(pinned, "port"), "5432");
    EXPECT_EQ(conninfo_value(pinned, "user"), "u");
    EXPECT_EQ(conninfo_value(pinned, "dbname"), "d");
    EXPECT_EQ(conninfo_value(pinned, "sslmode"), "verify-full");
    EXPECT_EQ(conninfo_value(pinned, "connect_timeout"), "10");
    for (const char *gone : {"password", "passfile", "service", "target_session_attrs"})
        EXPECT_EQ(conninfo_value(pinned, gone).value_or(""), "") << gone;
}

TEST(PinnedConninfo, AUnixSocketHasNoAddress) {
    const std::string pinned =
        pinned_conninfo({{"host", "/tmp"}}, ReachedServer{"/tmp", "", "5432", "postgres", "d"});
    EXPECT_EQ(conninfo_value(pinned, "host"), "/tmp");
    EXPECT_EQ(conninfo_value(pinned, "hostaddr").value_or(""), "");
}

TEST(ConnectTimeout, AsLibpqReadsIt) {
    EXPECT_EQ(connect_timeout_ms("host=a", 10000), 10000);
    EXPECT_EQ(connect_timeout_ms("host=a connect_timeout=3", 10000), 3000);
    EXPECT_EQ(connect_timeout_ms("host=a connect_timeout=1", 10000), 2000); // libpq's minimum
    EXPECT_EQ(connect_timeout_ms("host=a connect_timeout=0", 10000), 0);    // no limit
    EXPECT_EQ(connect_timeout_ms("host=a connect_timeout=-5", 10000), 0);
    EXPECT_EQ(connect_timeout_ms("postgresql://a/d?connect_timeout=7", 10000), 7000);
}

TEST(TargetVersion, OlderThanThePgDumpFixIsRefusedNamingBothVersions) {
    const std::optional<std::string> old = target_version_problem(150013);
    ASSERT_TRUE(old.has_value());
    EXPECT_NE(old->find("15.13"), std::string::npos) << *old;
    EXPECT_NE(old->find("15.14"), std::string::npos) << *old;
    EXPECT_FALSE(target_version_problem(150014).has_value());
    EXPECT_FALSE(target_version_problem(150018).has_value());
    EXPECT_TRUE(target_version_problem(160009).has_value());
    EXPECT_FALSE(target_version_problem(160010).has_value());
    EXPECT_TRUE(target_version_problem(170005).has_value());
    EXPECT_FALSE(target_version_problem(170006).has_value());
    EXPECT_TRUE(target_version_problem(140018).has_value());
    EXPECT_FALSE(target_version_problem(140019).has_value());
    EXPECT_TRUE(target_version_problem(130021).has_value());
    EXPECT_FALSE(target_version_problem(130022).has_value());
    EXPECT_FALSE(target_version_problem(180000).has_value());
    EXPECT_FALSE(target_version_problem(190000).has_value());
    // No release of 12 has the fix.
    const std::optional<std::string> twelve = target_version_problem(120022);
    ASSERT_TRUE(twelve.has_value());
    EXPECT_NE(twelve->find("12.22"), std::string::npos) << *twelve;
}

TEST(TargetVersion, VersionText) {
    EXPECT_EQ(version_text(150014), "15.14");
    EXPECT_EQ(version_text(180000), "18.0");
    EXPECT_EQ(version_text(90624), "9.6.24");
}

TEST(SourceVersion, ANewerMajorIsRefusedNamingBothVersions) {
    EXPECT_FALSE(source_version_problem(120022, 150018).has_value());
    EXPECT_FALSE(source_version_problem(150018, 150002).has_value()); // minors do not matter
    EXPECT_FALSE(source_version_problem(180004, 190000).has_value());
    const std::optional<std::string> newer = source_version_problem(180004, 150018);
    ASSERT_TRUE(newer.has_value());
    EXPECT_NE(newer->find("18.4"), std::string::npos) << *newer;
    EXPECT_NE(newer->find("15.18"), std::string::npos) << *newer;
    EXPECT_NE(source_version_hint(180004).find("18"), std::string::npos);
}

TEST(FirstRow, AnEmptyResultIsAnErrorNamingWhatWasAsked) {
    const Rows none;
    try {
        first_row(none, "reading the final position");
        FAIL() << "no error";
    } catch (const Error &error) {
        EXPECT_NE(std::string(error.what()).find("reading the final position"), std::string::npos);
    }
    const Rows one = {{Value("x")}};
    EXPECT_EQ(text_of(first_row(one, "reading"), 0), "x");
}

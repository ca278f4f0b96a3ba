#include <gtest/gtest.h>

#include "../../src/core/hba.hpp"

using namespace ivory;

namespace {

HbaRule rule(int line, std::string type, std::vector<std::string> databases,
             std::vector<std::string> users, std::string address, std::string netmask,
             std::string method) {
    HbaRule r;
    r.line_number = line;
    r.type = std::move(type);
    r.databases = std::move(databases);
    r.users = std::move(users);
    r.address = std::move(address);
    r.netmask = std::move(netmask);
    r.auth_method = std::move(method);
    return r;
}

HbaClient tcp_client(std::string address) {
    HbaClient client;
    client.database = "app";
    client.role = "ivory_replicator";
    client.client_address = std::move(address);
    client.server_address = "10.0.0.5";
    return client;
}

HbaClient socket_client() {
    HbaClient client = tcp_client("");
    client.server_address = "";
    return client;
}

} // namespace

TEST(Hba, LocalLineMatchesSocketClientsOnly) {
    const std::vector<HbaRule> rules = {rule(1, "local", {"all"}, {"all"}, "", "", "md5")};
    EXPECT_TRUE(evaluate_hba(rules, socket_client()).allowed);
    EXPECT_FALSE(evaluate_hba(rules, tcp_client("10.0.0.7")).allowed);
}

TEST(Hba, FirstMatchingLineDecides) {
    const std::vector<HbaRule> rules = {
        rule(1, "host", {"all"}, {"ivory_replicator"}, "10.0.0.0", "255.255.255.0", "reject"),
        rule(2, "host", {"all"}, {"all"}, "0.0.0.0", "0.0.0.0", "scram-sha-256")};
    const HbaVerdict verdict = evaluate_hba(rules, tcp_client("10.0.0.7"));
    EXPECT_FALSE(verdict.allowed);
    EXPECT_EQ(verdict.line_number, 1);
    EXPECT_NE(verdict.explanation.find("rejects"), std::string::npos);
    EXPECT_TRUE(evaluate_hba(rules, tcp_client("10.1.0.7")).allowed);
}

TEST(Hba, CidrRangesIpv4AndIpv6) {
    EXPECT_TRUE(address_in_network("192.168.1.77", "192.168.1.0", "255.255.255.0"));
    EXPECT_FALSE(address_in_network("192.168.2.77", "192.168.1.0", "255.255.255.0"));
    EXPECT_TRUE(address_in_network("fd00::1:2", "fd00::", "ffff:ffff::"));
    EXPECT_FALSE(address_in_network("fd01::1", "fd00::", "ffff:ffff::"));
    EXPECT_FALSE(address_in_network("10.0.0.1", "fd00::", "ffff::"));
    EXPECT_FALSE(address_in_network("not-an-address", "10.0.0.0", "255.0.0.0"));
}

TEST(Hba, SamehostAndSamenet) {
    const std::vector<HbaRule> samehost = {
        rule(3, "host", {"all"}, {"all"}, "samehost", "", "md5")};
    EXPECT_TRUE(evaluate_hba(samehost, tcp_client("10.0.0.5")).allowed);
    EXPECT_FALSE(evaluate_hba(samehost, tcp_client("10.0.0.6")).allowed);
    const std::vector<HbaRule> samenet = {rule(4, "host", {"all"}, {"all"}, "samenet", "", "md5")};
    EXPECT_TRUE(evaluate_hba(samenet, tcp_client("10.0.0.6")).allowed);
    EXPECT_FALSE(evaluate_hba(samenet, tcp_client("10.0.1.6")).allowed);
}

TEST(Hba, SslTypes) {
    const std::vector<HbaRule> rules = {rule(1, "hostssl", {"all"}, {"all"}, "all", "", "md5")};
    HbaClient client = tcp_client("10.0.0.7");
    EXPECT_FALSE(evaluate_hba(rules, client).allowed);
    client.ssl = true;
    EXPECT_TRUE(evaluate_hba(rules, client).allowed);
    const std::vector<HbaRule> nossl = {rule(1, "hostnossl", {"all"}, {"all"}, "all", "", "md5")};
    EXPECT_FALSE(evaluate_hba(nossl, client).allowed);
}

TEST(Hba, DatabaseKeywordsAndGroups) {
    HbaClient client = tcp_client("10.0.0.7");
    client.role_memberships = {"replicators"};
    const auto allowed = [&](std::vector<std::string> databases, std::vector<std::string> users) {
        return evaluate_hba({rule(1, "host", databases, users, "all", "", "md5")}, client).allowed;
    };
    EXPECT_TRUE(allowed({"app"}, {"+replicators"}));
    EXPECT_FALSE(allowed({"app"}, {"+admins"}));
    EXPECT_FALSE(allowed({"replication"}, {"all"})); // physical replication only
    EXPECT_FALSE(allowed({"other"}, {"all"}));
    EXPECT_TRUE(allowed({"other", "app"}, {"bob", "ivory_replicator"}));
}

// Regular expressions in pg_hba.conf (PostgreSQL 16 on) are evaluated by the
// source itself, whose regex engine is interruptible; ivory only reads the
// source's verdict. Before 16, "/name" is a name like any other.
TEST(Hba, RegularExpressionEntriesAreTheSourcesVerdict) {
    const HbaClient client = tcp_client("10.0.0.7");
    HbaRule regex_line = rule(1, "host", {"all"}, {"/^ivory_"}, "all", "", "md5");
    regex_line.regex_entries = true;
    regex_line.regex_user_matches = true;
    EXPECT_TRUE(evaluate_hba({regex_line}, client).allowed);
    regex_line.regex_user_matches = false;
    EXPECT_FALSE(evaluate_hba({regex_line}, client).allowed);

    HbaRule database_regex = rule(1, "host", {"/^ap"}, {"all"}, "all", "", "md5");
    database_regex.regex_entries = true;
    database_regex.regex_database_matches = true;
    EXPECT_TRUE(evaluate_hba({database_regex}, client).allowed);
    database_regex.regex_database_matches = false;
    EXPECT_FALSE(evaluate_hba({database_regex}, client).allowed);

    // A source before 16: the entry is the literal name "/^ivory_".
    HbaRule literal = rule(1, "host", {"all"}, {"/^ivory_"}, "all", "", "md5");
    literal.regex_entries = false;
    literal.regex_user_matches = true; // ignored
    EXPECT_FALSE(evaluate_hba({literal}, client).allowed);
}

TEST(Hba, PeerIsNotEnoughAndNoLineSaysWhatToAdd) {
    const std::vector<HbaRule> peer = {rule(7, "local", {"all"}, {"all"}, "", "", "peer")};
    const HbaVerdict verdict = evaluate_hba(peer, socket_client());
    EXPECT_FALSE(verdict.allowed);
    EXPECT_NE(verdict.explanation.find("line 7"), std::string::npos);

    const std::vector<HbaRule> others = {rule(1, "local", {"all"}, {"postgres"}, "", "", "trust")};
    const HbaVerdict none = evaluate_hba(others, tcp_client("10.0.0.9"));
    EXPECT_FALSE(none.allowed);
    EXPECT_FALSE(none.line_number.has_value());
    EXPECT_NE(none.explanation.find("host    app   ivory_replicator   10.0.0.9/32"),
              std::string::npos)
        << none.explanation;
}

TEST(Hba, LinesWithErrorsAreSkipped) {
    HbaRule broken = rule(1, "host", {"all"}, {"all"}, "all", "", "md5");
    broken.error = "invalid authentication method";
    EXPECT_FALSE(evaluate_hba({broken}, tcp_client("10.0.0.7")).allowed);
}

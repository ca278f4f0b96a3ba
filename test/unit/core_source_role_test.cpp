#include <gtest/gtest.h>

#include "../../src/core/conninfo.hpp"
#include "../../src/core/replication_naming.hpp"
#include "../../src/core/source_role.hpp"

using namespace ivory;

namespace {

SourceRole role(const std::string &name, bool superuser, bool replication, int version = 150020) {
    SourceRole made;
    made.name = name;
    made.superuser = superuser;
    made.replication = replication;
    made.server_version = version;
    return made;
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST(SourceRole, FromItsRow) {
    const SourceRole read =
        source_role_from_row({Value("ShopOwner"), Value("false"), Value("true"), Value("160004")});
    EXPECT_EQ(read.name, "ShopOwner");
    EXPECT_FALSE(read.superuser);
    EXPECT_TRUE(read.replication);
    EXPECT_EQ(read.server_version, 160004);
}

TEST(SourceRole, ASuperuserReplicatesAsIvorysOwnRole) {
    const SourceRole postgres = role("postgres", true, false);
    EXPECT_EQ(replication_login(postgres), ReplicationLogin::ivory_role);
    EXPECT_EQ(replication_login_role(postgres), "ivory_replicator");
    const RoleVerdict verdict = replication_role_verdict(postgres, {});
    EXPECT_TRUE(verdict.ok);
    EXPECT_TRUE(contains(verdict.detail, "makes the role ivory_replicator")) << verdict.detail;
}

TEST(SourceRole, AnyOtherRoleReplicatesAsItself) {
    // With or without CREATEROLE: only a superuser may make a role that has
    // REPLICATION and reads every table.
    const SourceRole app = role("ShopOwner", false, true);
    EXPECT_EQ(replication_login(app), ReplicationLogin::source_role);
    EXPECT_EQ(replication_login_role(app), "ShopOwner");
    const RoleVerdict verdict = replication_role_verdict(app, {});
    EXPECT_TRUE(verdict.ok);
    EXPECT_TRUE(contains(verdict.detail, "logs in as \"ShopOwner\" itself")) << verdict.detail;
}

TEST(SourceRole, WithoutReplicationTheVerdictGivesTheAlterRole) {
    const RoleVerdict verdict = replication_role_verdict(role("app", false, false), {});
    EXPECT_FALSE(verdict.ok);
    EXPECT_TRUE(contains(verdict.detail, "no REPLICATION attribute")) << verdict.detail;
    EXPECT_TRUE(contains(verdict.detail, "ALTER ROLE app REPLICATION")) << verdict.detail;
    EXPECT_TRUE(contains(verdict.detail, "GRANT rds_replication TO app")) << verdict.detail;
}

TEST(SourceRole, UnreadableTablesGiveTheGrantForTheVersion) {
    const RoleVerdict on_15 =
        replication_role_verdict(role("app", false, true), {"public.a", "s.\"B\""});
    EXPECT_FALSE(on_15.ok);
    EXPECT_TRUE(contains(on_15.detail, "GRANT SELECT ON TABLE public.a, s.\"B\" TO app"))
        << on_15.detail;
    EXPECT_TRUE(contains(on_15.detail, "GRANT pg_read_all_data TO app")) << on_15.detail;
    // pg_read_all_data came with 14.
    const RoleVerdict on_13 = replication_role_verdict(role("app", false, true, 130020), {"t"});
    EXPECT_FALSE(contains(on_13.detail, "pg_read_all_data")) << on_13.detail;
}

TEST(SourceRole, BothProblemsAreNamed) {
    const RoleVerdict verdict = replication_role_verdict(role("app", false, false), {"public.a"});
    EXPECT_FALSE(verdict.ok);
    EXPECT_TRUE(contains(verdict.detail, "REPLICATION")) << verdict.detail;
    EXPECT_TRUE(contains(verdict.detail, "public.a")) << verdict.detail;
}

TEST(SourceRole, ErrorsNameThePrivilegeAndTheStatement) {
    const SourceRole app = role("Shop Owner", false, false);
    const Error replication = needs_replication_attribute(app);
    EXPECT_EQ(replication.fields().sqlstate, "42501");
    EXPECT_TRUE(contains(replication.fields().hint, "ALTER ROLE \"Shop Owner\" REPLICATION"))
        << replication.fields().hint;

    const Error publish = cannot_publish_tables(app, "ivory_publication", {"public.legacy"});
    EXPECT_TRUE(contains(publish.fields().message, "only a table's owner may publish it"))
        << publish.fields().message;
    EXPECT_TRUE(
        contains(publish.fields().hint, "ALTER TABLE public.legacy OWNER TO \"Shop Owner\""))
        << publish.fields().hint;
    EXPECT_TRUE(
        contains(publish.fields().hint, "CREATE PUBLICATION ivory_publication FOR ALL TABLES"))
        << publish.fields().hint;

    const Error lock = cannot_lock_database(app, "shop", "postgres");
    EXPECT_TRUE(contains(lock.fields().hint, "ALTER DATABASE shop OWNER TO \"Shop Owner\""))
        << lock.fields().hint;
    EXPECT_TRUE(contains(lock.fields().hint, "--no-lock-source")) << lock.fields().hint;

    const Error sessions = cannot_end_sessions(app, {"bob (pid 4711)"});
    EXPECT_TRUE(contains(sessions.fields().message, "bob (pid 4711)"));
    EXPECT_TRUE(contains(sessions.fields().hint, "GRANT pg_signal_backend TO \"Shop Owner\""));

    const Error sequences = cannot_read_sequences(app, {"public.s"});
    EXPECT_TRUE(
        contains(sequences.fields().hint, "GRANT SELECT ON SEQUENCE public.s TO \"Shop Owner\""))
        << sequences.fields().hint;

    const Error unlock = cannot_unlock_database(app, "shop", "postgres");
    EXPECT_TRUE(
        contains(unlock.fields().hint, "ALTER DATABASE shop RESET default_transaction_read_only"));

    const Error drop = cannot_drop_ivory_role(app, "permission denied to drop role");
    EXPECT_TRUE(contains(drop.fields().hint, "DROP ROLE ivory_replicator"));
    EXPECT_TRUE(contains(drop.fields().hint, "--no-drop-user"));
}

TEST(SourceRole, LongListsAreCut) {
    std::vector<std::string> names;
    for (int i = 0; i < 25; ++i)
        names.push_back("t" + std::to_string(i));
    EXPECT_EQ(listed_names({"a", "b"}), "a, b");
    const std::string listed = listed_names(names);
    EXPECT_TRUE(contains(listed, "t19 and 5 more")) << listed;
    EXPECT_FALSE(contains(listed, "t20")) << listed;
    const Error publish = cannot_publish_tables(role("app", false, true), "p", names);
    EXPECT_TRUE(contains(publish.fields().hint, "(and so on for the 20 others)"))
        << publish.fields().hint;
}

TEST(SourceRole, ChecksItCouldNotRunSaySoAndWhy) {
    const SourceRole app = role("app", false, true);
    const std::string detail = unreadable_check_detail(
        app, "permission denied for view pg_hba_file_rules", hba_unreadable_advice(app));
    EXPECT_TRUE(contains(detail, "not checked")) << detail;
    EXPECT_TRUE(contains(detail, "permission denied for view pg_hba_file_rules")) << detail;
    EXPECT_TRUE(contains(detail, "is not a superuser")) << detail;
    EXPECT_TRUE(contains(detail, "GRANT SELECT ON pg_catalog.pg_hba_file_rules TO app")) << detail;
    EXPECT_TRUE(contains(detail, "GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules() TO app"))
        << detail;
}

TEST(SubscriptionConninfo, LogsInAsTheSourceRoleItself) {
    const std::string conninfo = subscription_conninfo(
        "host=db port=5 user=app password=old dbname=shop application_name=x", "app", "pw");
    EXPECT_EQ(conninfo_value(conninfo, "user"), "app");
    EXPECT_EQ(conninfo_value(conninfo, "password"), "pw");
    EXPECT_EQ(conninfo_value(conninfo, "application_name"), "ivory_replicator");
    EXPECT_EQ(conninfo_value(conninfo, "dbname"), "shop");
    // No password: none is written, as the source connection had none.
    EXPECT_FALSE(
        conninfo_value(subscription_conninfo("host=db dbname=shop", "app", ""), "password"));
}

TEST(ManagedComment, IsRecognised) {
    EXPECT_TRUE(is_managed_comment(managed_comment("2026-01-02 03:04:05 UTC")));
    EXPECT_FALSE(is_managed_comment("the application's publication"));
    EXPECT_FALSE(is_managed_comment(""));
}

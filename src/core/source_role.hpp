// Who ivory is on the source, and what that lets it do. A superuser may do
// everything; a role of a managed service (RDS, Cloud SQL, Azure) is not one:
// it has REPLICATION, owns the application's tables (or is a member of
// pg_read_all_data) and may create publications in the database. This
// decides who the subscription logs in as, and words what a missing
// privilege needs, with the statement that grants it.
#pragma once

#include <string>
#include <vector>

#include "error.hpp"
#include "rows.hpp"

namespace ivory {

struct SourceRole {
    std::string name; // the session's login role
    bool superuser = false;
    bool replication = false; // the REPLICATION attribute
    int server_version = 0;   // server_version_num
};

// From the row of catalog_queries::source_role.
SourceRole source_role_from_row(const Row &row);

// The same, asked of the source.
SourceRole read_source_role(QueryRunner &source);

// Who the subscription logs in as on the source.
enum class ReplicationLogin {
    // ivory_replicator, which replication_create makes: only a superuser may
    // make a role that has REPLICATION and reads every table.
    ivory_role,
    // The source role itself, when it is not a superuser: it has (or needs)
    // REPLICATION and reads its own tables; ivory makes no role.
    source_role,
};

ReplicationLogin replication_login(const SourceRole &role);

// The name of the role the subscription logs in as.
std::string replication_login_role(const SourceRole &role);

// The replication_role check: whether the role the subscription will log in
// as may replicate and read every table (`unreadable_tables`, quoted names,
// those the source role may not read).
struct RoleVerdict {
    bool ok = false;
    std::string detail;
};
RoleVerdict replication_role_verdict(const SourceRole &role,
                                     const std::vector<std::string> &unreadable_tables);

// The detail of a check the source would not let `role` read: what it
// refused (the source's message) and what that means (`advice`).
std::string unreadable_check_detail(const SourceRole &role, const std::string &refusal,
                                    const std::string &advice);

// `advice` for the pg_hba check, whose pg_hba_file_rules only superusers may
// read by default.
std::string hba_unreadable_advice(const SourceRole &role);

// Errors for what needs more than the source role has. Each names the
// privilege and the statement that would grant it. Names are quoted as SQL
// writes them.

// Replicating without REPLICATION.
Error needs_replication_attribute(const SourceRole &role);

// Tables the role may not read; `purpose` says who reads them ("the initial
// copy reads every published table as app").
Error cannot_read_tables(const SourceRole &role, const std::vector<std::string> &tables,
                         const std::string &purpose);

// Tables a publication would need that the role does not own.
Error cannot_publish_tables(const SourceRole &role, const std::string &publication,
                            const std::vector<std::string> &tables);

// Sequences whose value the role may not read (pg_sequences shows NULL).
Error cannot_read_sequences(const SourceRole &role, const std::vector<std::string> &sequences);

// switchover's lock: ALTER DATABASE ... SET needs the database's owner.
Error cannot_lock_database(const SourceRole &role, const std::string &database,
                           const std::string &owner);

// switchover ends every other client session; `sessions` are those the role
// may not end ("bob (pid 4711)").
Error cannot_end_sessions(const SourceRole &role, const std::vector<std::string> &sessions);

// unlock_source on a database the role does not own, while it is locked.
Error cannot_unlock_database(const SourceRole &role, const std::string &database,
                             const std::string &owner);

// replication_drop and ivory_replicator, left by a superuser's replication.
Error cannot_drop_ivory_role(const SourceRole &role, const std::string &refusal);

// The first `shown` names, then "and N more".
std::string listed_names(const std::vector<std::string> &names, size_t shown = 20);

} // namespace ivory

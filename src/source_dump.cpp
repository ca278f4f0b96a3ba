#include <optional>
#include <string>
#include <vector>

#include "source_dump.hpp"

#include "core/conninfo.hpp"
#include "core/error.hpp"
#include "core/server_versions.hpp"
#include "pg/server_info.hpp"

namespace ivory {

// The pg_dump run is the one next to the running server, of the same build,
// so the running server's version decides.
void require_fixed_pg_dump() {
    const int version = pg::running_server_version_num();
    if (const std::optional<std::string> problem = target_version_problem(version))
        throw Error("0A000", *problem, "",
                    "Update this server to the latest minor release of PostgreSQL " +
                        std::to_string(version / 10000) + ".");
}

void run_source_dump(const std::string &program, std::vector<std::string> arguments,
                     const std::string &conninfo, const remote::PinnedConnection &source,
                     const pg::OutputConsumer &on_output) {
    // The password travels in the child's environment, never on a command
    // line that ps shows. No libpq variable of the server's environment
    // reaches the tool (PGSERVICE, PGHOST, PGTARGETSESSIONATTRS, ...), and no
    // password or service file: it connects where ivory connected, as whom.
    std::vector<std::string> environment = {"PGPASSFILE=/dev/null", "PGSERVICEFILE=/dev/null"};
    if (!source.password.empty())
        environment.push_back("PGPASSWORD=" + source.password);
    arguments.push_back("--no-password");
    // The SQL comes back to SPI, which expects the database's encoding.
    arguments.push_back("--encoding=" + pg::database_encoding_name());
    arguments.push_back("--dbname=" + source.conninfo);
    const pg::ChildOutput dump = pg::run_child(pg::server_bin_directory() + "/" + program,
                                               arguments, environment, {"PG"}, on_output);
    if (dump.exit_code == 0)
        return;
    std::string reason = dump.standard_error;
    while (!reason.empty() && reason.back() == '\n')
        reason.pop_back();
    throw Error(ErrorFields{sqlstate::unable_to_connect, program + " of the source failed",
                            mask_secrets(reason, conninfo), "",
                            "dumping " + redact_conninfo(source.conninfo)});
}

} // namespace ivory

#include <string>
#include <utility>
#include <vector>

#include "../core/conninfo.hpp"
#include "../core/error.hpp"
#include "../core/quote.hpp"
#include "foreign_source.hpp"

#include "compat.hpp"
#include "guard.hpp"

extern "C" {
#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "utils/acl.h"
#include "utils/syscache.h"
}

namespace ivory::pg {

namespace {

constexpr const char *wrapper_name = "ivory_fdw";

void add_options(List *options, std::vector<std::pair<std::string, std::string>> &pairs) {
    ListCell *cell;
    foreach (cell, options) {
        DefElem *option = static_cast<DefElem *>(lfirst(cell));
        const char *value = guarded([option] { return defGetString(option); });
        pairs.emplace_back(option->defname, value);
    }
}

bool has_user_mapping(Oid user, Oid server) {
    return guarded([user, server] {
        return SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(user),
                                     ObjectIdGetDatum(server)) ||
               SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
                                     ObjectIdGetDatum(server));
    });
}

} // namespace

std::string resolve_source(const std::string &source) {
    if (looks_like_conninfo(source))
        return source;
    const char *name = source.c_str();
    ForeignServer *server = guarded([name] { return GetForeignServerByName(name, true); });
    if (!server)
        throw Error("42704",
                    "source \"" + source + "\" is neither a connection string nor a foreign server",
                    "",
                    std::string("Give a libpq connection string, or CREATE SERVER ... FOREIGN DATA "
                                "WRAPPER ") +
                        wrapper_name + " with a user mapping.");
    const Oid wrapper_id = server->fdwid;
    ForeignDataWrapper *wrapper =
        guarded([wrapper_id] { return GetForeignDataWrapper(wrapper_id); });
    if (std::string(wrapper->fdwname) != wrapper_name)
        throw Error("42809", "foreign server \"" + source + "\" does not use " + wrapper_name);
    const Oid server_id = server->serverid;
    const AclResult access = guarded([server_id] {
        return compat::foreign_server_aclcheck(server_id, GetUserId(), ACL_USAGE);
    });
    if (access != ACLCHECK_OK)
        throw Error("42501", "permission denied for foreign server " + source);
    // The credentials are the caller's own: without a user mapping (its own
    // or PUBLIC's) there are none. Said here, in the same words on every
    // version (the server's own message changed in 18).
    const Oid user_id = guarded([] { return GetUserId(); });
    if (!has_user_mapping(user_id, server_id))
        throw Error("42704",
                    "user mapping not found for user \"" +
                        std::string(guarded([user_id] { return GetUserNameFromId(user_id, false); })) +
                        "\", server \"" + source + "\"",
                    "",
                    "CREATE USER MAPPING FOR CURRENT_USER SERVER " + quote_identifier(source) +
                        " OPTIONS (user '...', password '...')");
    UserMapping *mapping = guarded([user_id, server_id] { return GetUserMapping(user_id, server_id); });

    std::vector<std::pair<std::string, std::string>> pairs;
    add_options(server->options, pairs);
    add_options(mapping->options, pairs);
    return conninfo_from_pairs(pairs);
}

void validate_foreign_options(Datum options, Oid catalog) {
    List *list = guarded([options] { return untransformRelOptions(options); });
    const OptionPlace place =
        catalog == UserMappingRelationId ? OptionPlace::user_mapping : OptionPlace::server;
    if (catalog != UserMappingRelationId && catalog != ForeignServerRelationId) {
        if (list != NIL)
            throw Error("HV00D", std::string(wrapper_name) +
                                     " takes options on servers and user mappings only");
        return;
    }
    ListCell *cell;
    foreach (cell, list) {
        DefElem *option = static_cast<DefElem *>(lfirst(cell));
        const std::string problem = foreign_option_problem(option->defname, place);
        if (!problem.empty())
            throw Error("HV00D", problem);
    }
}

} // namespace ivory::pg

#include "subscription.hpp"

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/strings.hpp"

namespace ivory {

std::optional<Subscription> find_subscription(pg::LocalSession &target, const std::string &name) {
    const Rows rows = target.query(
        "SELECT s.oid::pg_catalog.text, s.subenabled::pg_catalog.text, s.subconninfo, "
        "s.subslotname::pg_catalog.text, pg_catalog.array_to_string(s.subpublications, E'\\n') "
        "FROM pg_catalog.pg_subscription s "
        "WHERE s.subname = $1 AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d "
        "WHERE d.datname = pg_catalog.current_database())",
        {Value(name)}, "looking up the subscription");
    if (rows.empty())
        return std::nullopt;
    const Row &row = first_row(rows, "looking up the subscription");
    return Subscription{text_of(row, 0), name,      text_of(row, 1) == "true",
                        text_of(row, 2), row.at(3), split_lines(text_of(row, 4))};
}

Subscription require_subscription(pg::LocalSession &target, const std::string &name) {
    if (auto subscription = find_subscription(target, name))
        return *subscription;
    throw Error("42704", "subscription " + quote_identifier(name) + " does not exist", "",
                "Create it with ivory.replication_create (ivory replication create).");
}

std::string subscription_sql_name(const std::string &name) {
    return sql_identifier(name);
}

std::string subscription_slots_condition(const std::string &slot,
                                         const std::string &subscription_oid,
                                         const std::string &target_system_identifier) {
    std::string names = "slot_name = " + quote_literal(slot);
    if (!subscription_oid.empty())
        names += " OR slot_name LIKE " + quote_literal("pg\\_" + subscription_oid +
                                                       "\\_sync\\_%\\_" + target_system_identifier);
    return "database = pg_catalog.current_database() AND (" + names + ")";
}

std::string target_system_identifier(pg::LocalSession &target) {
    return text_of(first_row(target.query("SELECT system_identifier::pg_catalog.text FROM "
                                          "pg_catalog.pg_control_system()",
                                          "reading the target's system identifier"),
                             "reading the target's system identifier"),
                   0);
}

} // namespace ivory

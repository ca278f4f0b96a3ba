#include "large_objects.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/strings.hpp"

namespace ivory {

namespace {

// Read and written a chunk at a time: an object may be larger than a value
// may be (1 GB), and one chunk is what a round trip carries.
constexpr long long chunk_bytes = 1 << 20;
// verify_data's detail names this many differing objects at most.
constexpr size_t max_listed_objects = 20;

// One row per large object, the same query on both sides: oid, owner, the
// grants but the owner's own ("role:PRIVILEGE" or with "*" for WITH GRANT
// OPTION, sorted; who granted them is left out, as a copy's grantor is its
// copier), size in bytes, and an md5 of the md5s of its chunks. lo_open
// for reading works in a read-only transaction, so also on a locked source.
const std::string large_object_facts = R"SQL(
SELECT m.oid::pg_catalog.text, pg_catalog.pg_get_userbyid(m.lomowner)::pg_catalog.text,
       coalesce((SELECT pg_catalog.string_agg(g, ',' ORDER BY g) FROM (
           SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                       ELSE pg_catalog.pg_get_userbyid(a.grantee)::pg_catalog.text END
                  || ':' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS g
           FROM pg_catalog.aclexplode(m.lomacl) a WHERE a.grantee <> m.lomowner) grants), ''),
       s.size::pg_catalog.text,
       coalesce((SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.md5(
                    pg_catalog.lo_get(m.oid, n * )SQL" +
                                       std::to_string(chunk_bytes) + ", " +
                                       std::to_string(chunk_bytes) + R"SQL()), '' ORDER BY n))
                 FROM pg_catalog.generate_series(0::pg_catalog.int8, (s.size - 1) / )SQL" +
                                       std::to_string(chunk_bytes) + R"SQL() n), '')
FROM pg_catalog.pg_largeobject_metadata m,
     LATERAL (SELECT pg_catalog.lo_lseek64(pg_catalog.lo_open(m.oid, 262144), 0, 2) AS size) s
ORDER BY m.oid)SQL";

struct LargeObject {
    std::string owner;
    std::string grants; // as large_object_facts writes them
    long long size = 0;
    std::string hash;

    bool operator==(const LargeObject &other) const {
        return owner == other.owner && grants == other.grants && size == other.size &&
               hash == other.hash;
    }
};

// Oids (digits, no leading zero) in numeric order.
struct ByNumber {
    bool operator()(const std::string &left, const std::string &right) const {
        return left.size() != right.size() ? left.size() < right.size() : left < right;
    }
};
using LargeObjects = std::map<std::string, LargeObject, ByNumber>; // by oid

LargeObjects large_objects_of(QueryRunner &side, const std::string &step) {
    LargeObjects objects;
    for (const Row &row : side.query(large_object_facts, step)) {
        const std::string oid = text_of(row, 0);
        if (oid.empty() ||
            !std::all_of(oid.begin(), oid.end(), [](unsigned char c) { return std::isdigit(c); }))
            throw Error(sqlstate::internal, "unexpected large object identifier", oid);
        objects[oid] = {text_of(row, 1), text_of(row, 2), std::stoll(text_of(row, 3)),
                        text_of(row, 4)};
    }
    return objects;
}

// What differs of an object here from the source's, in words; "" for nothing.
std::string difference(const LargeObject &on_source, const LargeObject *here) {
    if (!here)
        return "missing on the target";
    std::vector<std::string> differing;
    if (here->size != on_source.size || here->hash != on_source.hash)
        differing.push_back("contents");
    if (here->owner != on_source.owner)
        differing.push_back("owner " + on_source.owner + " on source, " + here->owner +
                            " on target");
    if (here->grants != on_source.grants)
        differing.push_back("grants");
    return join(differing, ", ");
}

// The source's grants on large object `oid` but its owner's, as GRANT
// statements. Names are quoted here and privileges checked: nothing the
// source answers runs here as SQL of its own.
std::vector<std::string> grant_statements(remote::Connection &source, const std::string &oid) {
    std::vector<std::string> statements;
    for (const Row &row :
         source.query("SELECT (a.grantee = 0)::pg_catalog.text, "
                      "pg_catalog.pg_get_userbyid(a.grantee)::pg_catalog.text, a.privilege_type, "
                      "a.is_grantable::pg_catalog.text FROM pg_catalog.pg_largeobject_metadata m, "
                      "pg_catalog.aclexplode(m.lomacl) a WHERE m.oid = " +
                          oid + " AND a.grantee <> m.lomowner ORDER BY 2, 3",
                      "reading the grants of large object " + oid)) {
        const std::string privilege = text_of(row, 2);
        if (privilege != "SELECT" && privilege != "UPDATE")
            throw Error(sqlstate::internal, "unexpected privilege on large object " + oid,
                        privilege);
        statements.push_back(
            "GRANT " + privilege + " ON LARGE OBJECT " + oid + " TO " +
            (text_of(row, 0) == "true" ? "PUBLIC" : quote_identifier(text_of(row, 1))) +
            (text_of(row, 3) == "true" ? " WITH GRANT OPTION" : ""));
    }
    return statements;
}

// The object here made anew from the source's, chunk by chunk.
void copy_object(remote::Connection &source, pg::LocalSession &target, const std::string &oid,
                 const LargeObject &object, bool exists_here) {
    if (exists_here)
        target.query("SELECT pg_catalog.lo_unlink($1::pg_catalog.oid)", {Value(oid)},
                     "removing large object " + oid + " to copy it again");
    target.query("SELECT pg_catalog.lo_create($1::pg_catalog.oid)", {Value(oid)},
                 "creating large object " + oid);
    for (long long offset = 0; offset < object.size; offset += chunk_bytes) {
        const Rows chunk =
            source.query("SELECT pg_catalog.lo_get(" + oid + ", " + std::to_string(offset) + ", " +
                             std::to_string(chunk_bytes) + ")",
                         "reading large object " + oid);
        target.query("SELECT pg_catalog.lo_put($1::pg_catalog.oid, $2::pg_catalog.int8, "
                     "$3::pg_catalog.bytea)",
                     {Value(oid), Value(std::to_string(offset)),
                      first_row(chunk, "reading large object " + oid).at(0)},
                     "writing large object " + oid);
    }
    target.execute("ALTER LARGE OBJECT " + oid + " OWNER TO " + quote_identifier(object.owner));
    if (!object.grants.empty())
        for (const std::string &grant : grant_statements(source, oid))
            target.execute(grant);
}

} // namespace

std::vector<LargeObjectAction> copy_large_objects(remote::Connection &source,
                                                  pg::LocalSession &target, bool dry_run) {
    const LargeObjects on_source = large_objects_of(source, "reading the source's large objects");
    const LargeObjects here = large_objects_of(target, "reading the large objects here");
    std::vector<LargeObjectAction> actions;
    for (const auto &[oid, object] : on_source) {
        const auto found = here.find(oid);
        const bool exists_here = found != here.end();
        if (exists_here && found->second == object) {
            actions.push_back({oid, "unchanged", object.size});
            continue;
        }
        if (dry_run) {
            actions.push_back({oid, exists_here ? "would replace" : "would create", object.size});
            continue;
        }
        copy_object(source, target, oid, object, exists_here);
        actions.push_back({oid, exists_here ? "replaced" : "created", object.size});
    }
    return actions;
}

std::string large_objects_summary(const std::vector<LargeObjectAction> &actions, bool dry_run) {
    long long copied = 0;
    long long bytes = 0;
    for (const LargeObjectAction &action : actions)
        if (action.action != "unchanged") {
            ++copied;
            bytes += action.bytes;
        }
    return std::to_string(copied) + " large object(s) " + (dry_run ? "to copy" : "copied") + " (" +
           human_bytes(bytes) + "), " +
           std::to_string(static_cast<long long>(actions.size()) - copied) + " unchanged";
}

std::vector<LargeObjectAction> copy_large_objects(const std::string &source_conninfo) {
    remote::Connection source(source_conninfo);
    pg::LocalSession target(false);
    return copy_large_objects(source, target);
}

std::optional<TableVerdict> compare_large_objects(remote::Connection &source,
                                                  pg::LocalSession &target) {
    const LargeObjects on_source = large_objects_of(source, "reading the source's large objects");
    const LargeObjects here = large_objects_of(target, "reading the large objects here");
    if (on_source.empty() && here.empty())
        return std::nullopt;
    std::vector<std::string> differing;
    for (const auto &[oid, object] : on_source) {
        const auto found = here.find(oid);
        const std::string what = difference(object, found == here.end() ? nullptr : &found->second);
        if (!what.empty())
            differing.push_back(oid + ": " + what);
    }
    for (const auto &[oid, object] : here)
        if (!on_source.count(oid))
            differing.push_back(oid + ": only on the target");
    TableVerdict verdict{"large objects", static_cast<long long>(on_source.size()),
                         static_cast<long long>(here.size()), differing.empty(), ""};
    if (differing.empty()) {
        verdict.detail = "same large objects";
        return verdict;
    }
    const size_t count = differing.size();
    if (count > max_listed_objects)
        differing.resize(max_listed_objects);
    verdict.detail = std::to_string(count) + " large object(s) differ: " + join(differing, "; ") +
                     (count > max_listed_objects ? "; ..." : "") +
                     ". Logical replication does not carry them: switchover copies them, or "
                     "ivory.copy_large_objects";
    return verdict;
}

} // namespace ivory

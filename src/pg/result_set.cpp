#include <string>
#include <vector>

#include "result_set.hpp"

#include "guard.hpp"

namespace ivory::pg {

std::string text_argument(FunctionCallInfo fcinfo, int number) {
    char *value = guarded([fcinfo, number] { return text_to_cstring(PG_GETARG_TEXT_PP(number)); });
    std::string copy(value);
    pfree(value);
    return copy;
}

std::optional<std::string> optional_text_argument(FunctionCallInfo fcinfo, int number) {
    if (PG_NARGS() <= number || PG_ARGISNULL(number))
        return std::nullopt;
    return text_argument(fcinfo, number);
}

std::optional<std::string> optional_jsonb_argument(FunctionCallInfo fcinfo, int number) {
    if (PG_NARGS() <= number || PG_ARGISNULL(number))
        return std::nullopt;
    const Datum value = PG_GETARG_DATUM(number);
    char *text =
        guarded([value] { return DatumGetCString(DirectFunctionCall1(jsonb_out, value)); });
    std::string copy(text);
    pfree(text);
    return copy;
}

std::string required_text_argument(FunctionCallInfo fcinfo, int number, const char *name) {
    if (PG_ARGISNULL(number))
        throw Error(sqlstate::invalid_parameter, std::string(name) + " must not be NULL");
    return text_argument(fcinfo, number);
}

bool bool_argument(FunctionCallInfo fcinfo, int number) {
    // An argument that an older definition of the function lacks is false.
    return PG_NARGS() > number && !PG_ARGISNULL(number) && PG_GETARG_BOOL(number);
}

bool required_bool_argument(FunctionCallInfo fcinfo, int number, const char *name) {
    if (PG_NARGS() > number && PG_ARGISNULL(number))
        throw Error(sqlstate::invalid_parameter, std::string(name) + " must not be NULL");
    return bool_argument(fcinfo, number);
}

std::vector<std::string> text_array_argument(FunctionCallInfo fcinfo, int number) {
    std::vector<std::string> elements;
    if (PG_ARGISNULL(number))
        return elements;
    Datum *values = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    Datum **values_out = &values;
    bool **nulls_out = &nulls;
    int *count_out = &count;
    guarded([fcinfo, number, values_out, nulls_out, count_out] {
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(number), TEXTOID, -1, false, TYPALIGN_INT,
                          values_out, nulls_out, count_out);
    });
    for (int i = 0; i < count; ++i) {
        if (nulls[i])
            continue;
        const Datum value = values[i];
        char *element = guarded([value] { return TextDatumGetCString(value); });
        elements.emplace_back(element);
    }
    return elements;
}

long long int64_argument(FunctionCallInfo fcinfo, int number, long long fallback) {
    return PG_ARGISNULL(number) ? fallback : PG_GETARG_INT64(number);
}

double float8_argument(FunctionCallInfo fcinfo, int number, double fallback) {
    return PG_ARGISNULL(number) ? fallback : PG_GETARG_FLOAT8(number);
}

std::optional<int> optional_int32_argument(FunctionCallInfo fcinfo, int number) {
    if (PG_NARGS() <= number || PG_ARGISNULL(number))
        return std::nullopt;
    return PG_GETARG_INT32(number);
}

Datum text_result(const std::string &text) {
    const char *value = text.c_str();
    return guarded([value] { return PointerGetDatum(cstring_to_text(value)); });
}

void return_rows(FunctionCallInfo fcinfo, const Rows &rows) {
    guarded([fcinfo] { InitMaterializedSRF(fcinfo, 0); });
    ReturnSetInfo *result_info = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    AttInMetadata *metadata =
        guarded([result_info] { return TupleDescGetAttInMetadata(result_info->setDesc); });
    const size_t columns = static_cast<size_t>(result_info->setDesc->natts);
    std::vector<char *> values(columns);
    for (const Row &row : rows) {
        // A definition of an older version's script (before ALTER EXTENSION
        // UPDATE) declares the leading columns of the row only.
        if (row.size() < columns)
            throw Error(sqlstate::internal, "result row has " + std::to_string(row.size()) +
                                                " columns, the function returns " +
                                                std::to_string(columns));
        for (size_t i = 0; i < columns; ++i)
            values[i] = row[i] ? const_cast<char *>(row[i]->c_str()) : nullptr;
        char **raw = values.data();
        guarded([result_info, metadata, raw] {
            HeapTuple tuple = BuildTupleFromCStrings(metadata, raw);
            tuplestore_puttuple(result_info->setResult, tuple);
            heap_freetuple(tuple);
        });
    }
}

} // namespace ivory::pg

/* Unit tests for pgcatalog.c over the generated PostgreSQL 15 catalog (pgcatalog_data.c): type
 * lookups and aliases, the shape of the generated tables, coercion, and function and operator
 * resolution. Expected results were checked against a real PostgreSQL 15 (pg_typeof, and the
 * parameter types of prepared statements). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pgcatalog.h"

#define ALL PGC_ALL_EXTENSIONS
#define U PGC_UNKNOWN

static uint32_t
id_of(const char *name)
{
    const pgc_type *t = pgc_type_by_name(name);
    assert_non_null(t);
    return t->id;
}

static void
assert_type(const char *name, const char *want, uint32_t want_oid)
{
    const pgc_type *t = pgc_type_by_name(name);
    assert_non_null(t);
    assert_string_equal(t->name, want);
    assert_int_equal(t->oid, want_oid);
}

/* ---- extensions and types ---- */

static void
test_extension_bits(void **state)
{
    (void)state;
    unsigned all = 0;
    for (size_t i = 0; i < pgc_extension_count; i++) {
        unsigned bit = pgc_extension_bit(pgc_extension_names[i]);
        assert_int_equal(bit, 1u << i);
        all |= bit;
    }
    assert_int_equal(all, PGC_ALL_EXTENSIONS);
    assert_int_equal(pgc_extension_bit("pgvector"), pgc_extension_bit("vector"));
    assert_int_not_equal(pgc_extension_bit("uuid-ossp"), 0);
    assert_int_equal(pgc_extension_bit("postgis"), 0);
    assert_int_equal(pgc_extension_bit(NULL), 0);
}

static void
test_type_names_and_aliases(void **state)
{
    (void)state;
    assert_type("int4", "int4", 23);
    assert_type("integer", "int4", 23);
    assert_type("int", "int4", 23);
    assert_type("bigint", "int8", 20);
    assert_type("smallint", "int2", 21);
    assert_type("real", "float4", 700);
    assert_type("float", "float8", 701);
    assert_type("double precision", "float8", 701);
    assert_type("boolean", "bool", 16);
    assert_type("varchar", "varchar", 1043);
    assert_type("character varying", "varchar", 1043);
    assert_type("character", "bpchar", 1042);
    assert_type("decimal", "numeric", 1700);
    assert_type("timestamp with time zone", "timestamptz", 1184);
    assert_type("timestamp without time zone", "timestamp", 1114);
    assert_type("time with time zone", "timetz", 1266);
    assert_type("serial", "int4", 23);
    assert_type("bigserial", "int8", 20);
    assert_type("smallserial", "int2", 21);
    assert_type("pg_catalog.text", "text", 25);
    assert_type("jsonb", "jsonb", 3802);
    assert_type("uuid", "uuid", 2950);
    /* The exact typname wins: "char" is the one-byte internal type. */
    assert_type("char", "char", 18);
    assert_null(pgc_type_by_name("no_such_type"));
    assert_null(pgc_type_by_name(NULL));
    assert_null(pgc_type_by_name(""));
}

static void
test_type_arrays(void **state)
{
    (void)state;
    const pgc_type *a = pgc_type_by_name("_int4");
    assert_non_null(a);
    assert_int_equal(a->oid, 1007);
    assert_int_equal(a->elem_oid, 23);
    assert_int_equal(a->category, 'A');
    assert_ptr_equal(pgc_type_by_name("int4[]"), a);
    assert_ptr_equal(pgc_type_by_name("integer[]"), a);
    assert_ptr_equal(pgc_type_by_name("int4[][]"), a);
    assert_int_equal(pgc_type_by_name("int4")->array_oid, 1007);
    assert_string_equal(pgc_type_by_name("text[]")->name, "_text");
    assert_string_equal(pgc_type_by_name("timestamp with time zone[]")->name, "_timestamptz");
    assert_int_equal(pgc_array_of(PGC_INT4), 1007);
    assert_int_equal(pgc_elem_of(1007), PGC_INT4);
    assert_int_equal(pgc_elem_of(PGC_INT4), 0);
    assert_int_equal(pgc_array_of(PGC_ANYENUM), PGC_ANYENUM_ARRAY);
    assert_int_equal(pgc_elem_of(PGC_ANYENUM_ARRAY), PGC_ANYENUM);
    assert_null(pgc_type_by_name("no_such_type[]"));
}

static void
test_type_by_oid(void **state)
{
    (void)state;
    assert_string_equal(pgc_type_by_oid(23)->name, "int4");
    assert_string_equal(pgc_type_by_oid(1184)->name, "timestamptz");
    assert_string_equal(pgc_type_by_oid(2283)->name, "anyelement");
    assert_null(pgc_type_by_oid(0));
    assert_null(pgc_type_by_oid(123456789));
    /* Every type is found by its id and by its name. */
    for (size_t i = 0; i < pgc_data_ntypes; i++) {
        const pgc_type *t = &pgc_data_types[i];
        assert_ptr_equal(pgc_type_by_oid(t->id), t);
        assert_ptr_equal(pgc_type_by_name(t->name), t);
    }
    assert_int_equal(pgc_type_category(PGC_INT4), 'N');
    assert_int_equal(pgc_type_category(PGC_TEXT), 'S');
    assert_int_equal(pgc_type_category(PGC_ANYENUM), 'E');
    assert_int_equal(pgc_type_category(U), 'X');
    assert_true(pgc_type_by_name("text")->preferred);
    assert_int_equal(pgc_type_by_name("int8")->len, 8);
    assert_int_equal(pgc_type_by_name("text")->len, -1);
}

static void
test_extension_types(void **state)
{
    (void)state;
    const pgc_type *v = pgc_type_by_name("vector");
    assert_non_null(v);
    assert_string_equal(v->extension, "vector");
    assert_int_equal(v->oid, 0);              /* no fixed OID: generated code sends 0 */
    assert_true(v->id >= PGC_EXT_TYPE_BASE);  /* but a synthetic id for type checking */
    assert_int_equal(v->category, 'U');
    const pgc_type *va = pgc_type_by_oid(v->array_oid);
    assert_non_null(va);
    assert_string_equal(va->name, "_vector");
    assert_int_equal(va->elem_oid, v->id);
    assert_string_equal(va->extension, "vector");
    assert_ptr_equal(pgc_type_by_name("vector[]"), va);

    const pgc_type *c = pgc_type_by_name("citext");
    assert_non_null(c);
    assert_string_equal(c->extension, "citext");
    assert_int_equal(c->oid, 0);
    assert_int_equal(c->category, 'S');
    assert_true(pgc_type_visible(c, pgc_extension_bit("citext")));
    assert_false(pgc_type_visible(c, pgc_extension_bit("hstore")));
    assert_true(pgc_type_visible(pgc_type_by_name("int4"), 0));
    const pgc_type *h = pgc_type_by_name("hstore");
    assert_non_null(h);
    assert_string_equal(h->extension, "hstore");
    assert_null(pgc_type_by_name("int4")->extension);
}

/* ---- shape of the generated tables ---- */

static void
test_data_sorted_and_bounded(void **state)
{
    (void)state;
    assert_true(pgc_data_ntypes > 150);
    assert_true(pgc_data_nfuncs > 2000);
    assert_true(pgc_data_nopers > 700);
    assert_true(pgc_data_ncasts > 200);
    for (size_t i = 1; i < pgc_data_ntypes; i++) {
        assert_true(strcmp(pgc_data_types[i - 1].name, pgc_data_types[i].name) < 0);
        assert_true(pgc_data_types[pgc_data_types_by_id[i - 1]].id <
                    pgc_data_types[pgc_data_types_by_id[i]].id);
    }
    size_t run = 1, longest = 1;
    for (size_t i = 1; i < pgc_data_nfuncs; i++) {
        int c = strcmp(pgc_data_funcs[i - 1].name, pgc_data_funcs[i].name);
        assert_true(c <= 0);
        run = c == 0 ? run + 1 : 1;
        longest = run > longest ? run : longest;
    }
    for (size_t i = 1, orun = 1; i < pgc_data_nopers; i++) {
        int c = strcmp(pgc_data_opers[i - 1].name, pgc_data_opers[i].name);
        assert_true(c <= 0);
        orun = c == 0 ? orun + 1 : 1;
        longest = orun > longest ? orun : longest;
    }
    assert_true(longest <= PGC_MAX_CANDIDATES);
    for (size_t i = 1; i < pgc_data_ncasts; i++) {
        const pgc_cast *a = &pgc_data_casts[i - 1], *b = &pgc_data_casts[i];
        assert_true(a->source < b->source || (a->source == b->source && a->target < b->target));
    }
    /* No catalog rowtypes, no internal functions, every referenced type known. */
    assert_null(pgc_type_by_name("pg_class"));
    assert_null(pgc_type_by_name("_pg_class"));
    size_t n;
    assert_null(pgc_funcs_by_name("int4in", &n));
    assert_null(pgc_funcs_by_name("int4send", &n));
    assert_int_equal(n, 0);
    for (size_t i = 0; i < pgc_data_nfuncs; i++) {
        const pgc_func *f = &pgc_data_funcs[i];
        assert_int_not_equal(f->name[0], '_');
        assert_non_null(pgc_type_by_oid(f->ret));
        for (int a = 0; a < f->nargs; a++) {
            const pgc_type *t = pgc_type_by_oid(f->args[a]);
            assert_non_null(t);
            assert_string_not_equal(t->name, "internal");
            assert_string_not_equal(t->name, "cstring");
        }
        assert_int_equal(f->variadic, f->variadic_type != 0);
        assert_true(f->kind == 'f' || f->kind == 'a' || f->kind == 'w');
        assert_true(f->extension == NULL ? f->ext_bit == 0 && f->oid != 0
                                         : f->ext_bit != 0 && f->oid == 0);
    }
}

static void
test_funcs_by_name_and_out_columns(void **state)
{
    (void)state;
    size_t n;
    const pgc_func *f = pgc_funcs_by_name("json_each", &n);
    assert_non_null(f);
    assert_int_equal(n, 1);
    assert_true(f->retset);
    assert_int_equal(f->ret, PGC_RECORD);
    assert_int_equal(f->nouts, 2);
    assert_string_equal(f->out_names[0], "key");
    assert_int_equal(f->out_types[0], PGC_TEXT);
    assert_string_equal(f->out_names[1], "value");
    assert_int_equal(f->out_types[1], PGC_JSON);

    f = pgc_funcs_by_name("make_interval", &n);
    assert_int_equal(n, 1);
    assert_int_equal(f->nargs, 7);
    assert_int_equal(f->ndefaults, 7);
    assert_non_null(f->argnames);
    assert_string_equal(f->argnames[3], "days");

    f = pgc_funcs_by_name("percentile_cont", &n);
    assert_true(n >= 2);
    assert_int_equal(f->kind, 'a');
    assert_int_equal(f->aggkind, 'o');
    assert_int_equal(f->naggdirect, 1);

    assert_null(pgc_funcs_by_name("no_such_function", &n));
    assert_null(pgc_funcs_by_name("coalesce", &n)); /* an expression, not a function */
}

/* ---- coercion ---- */

static void
test_can_coerce(void **state)
{
    (void)state;
    assert_true(pgc_can_coerce(PGC_INT4, PGC_INT8, 'i'));
    assert_false(pgc_can_coerce(PGC_INT8, PGC_INT4, 'i'));
    assert_true(pgc_can_coerce(PGC_INT8, PGC_INT4, 'a'));
    assert_true(pgc_can_coerce(U, PGC_UUID, 'i'));
    assert_false(pgc_can_coerce(PGC_INT4, PGC_TEXT, 'i'));
    assert_true(pgc_can_coerce(PGC_INT4, PGC_TEXT, 'a'));  /* I/O conversion to strings */
    assert_false(pgc_can_coerce(PGC_TEXT, PGC_INT4, 'a'));
    assert_true(pgc_can_coerce(PGC_TEXT, PGC_INT4, 'e'));
    assert_true(pgc_can_coerce(PGC_VARCHAR, PGC_TEXT, 'i'));
    assert_true(pgc_can_coerce(1007, 1016, 'i'));             /* int4[] -> int8[] */
    assert_false(pgc_can_coerce(1016, 1007, 'i'));
    assert_true(pgc_can_coerce(PGC_TIMESTAMP, PGC_TIMESTAMPTZ, 'i'));
    assert_false(pgc_can_coerce(PGC_TIMESTAMPTZ, PGC_TIMESTAMP, 'i'));
    assert_true(pgc_can_coerce(PGC_INT4, PGC_ANYELEMENT, 'i'));
    assert_false(pgc_can_coerce(PGC_INT4, PGC_ANYARRAY, 'i'));
    assert_true(pgc_can_coerce(1007, PGC_ANYARRAY, 'i'));
    assert_true(pgc_can_coerce(PGC_ANYENUM, PGC_ANYENUM, 'i'));
    assert_false(pgc_can_coerce(PGC_INT4, PGC_ANYENUM, 'i'));
    assert_false(pgc_can_coerce(PGC_ANYENUM, PGC_TEXT, 'i'));
    assert_true(pgc_can_coerce(PGC_ANYENUM, PGC_TEXT, 'a'));
    assert_true(pgc_can_coerce(id_of("citext"), PGC_TEXT, 'i'));
    assert_true(pgc_can_coerce(id_of("vector"), id_of("_float4"), 'i'));
    assert_false(pgc_can_coerce(id_of("_float8"), id_of("vector"), 'i'));
    assert_true(pgc_can_coerce(id_of("_float8"), id_of("vector"), 'a'));
    assert_non_null(pgc_find_cast(PGC_INT4, PGC_INT8, 0));
    assert_null(pgc_find_cast(id_of("citext"), PGC_TEXT, 0));
    assert_non_null(pgc_find_cast(id_of("citext"), PGC_TEXT, pgc_extension_bit("citext")));
}

static void
test_common_type(void **state)
{
    (void)state;
    uint32_t a[] = {PGC_INT4, PGC_INT8};
    assert_int_equal(pgc_select_common_type(2, a), PGC_INT8);
    uint32_t b[] = {PGC_INT4, PGC_NUMERIC};
    assert_int_equal(pgc_select_common_type(2, b), PGC_NUMERIC); /* coalesce(1, 2.5) */
    uint32_t c[] = {U, U};
    assert_int_equal(pgc_select_common_type(2, c), PGC_TEXT);
    uint32_t d[] = {PGC_INT4, PGC_TEXT};
    assert_int_equal(pgc_select_common_type(2, d), 0);
    uint32_t e[] = {U, PGC_INT4, U};
    assert_int_equal(pgc_select_common_type(3, e), PGC_INT4);
    uint32_t f[] = {PGC_FLOAT8, PGC_INT4, PGC_NUMERIC};
    assert_int_equal(pgc_select_common_type(3, f), PGC_FLOAT8);
    uint32_t g[] = {PGC_TIMESTAMP, PGC_TIMESTAMPTZ};
    assert_int_equal(pgc_select_common_type(2, g), PGC_TIMESTAMPTZ);
    assert_int_equal(pgc_select_common_type(0, NULL), 0);
}

/* ---- operators ---- */

typedef struct op_result {
    const pgc_oper *op;
    uint32_t l, r, ret;
    bool ambiguous;
} op_result;

static op_result
oper(const char *name, uint32_t l, uint32_t r, unsigned mask)
{
    op_result o = {0};
    o.op = pgc_resolve_oper(name, l, r, mask, &o.l, &o.r, &o.ret, &o.ambiguous);
    return o;
}

static void
test_oper_basic(void **state)
{
    (void)state;
    op_result o = oper("=", PGC_INT4, PGC_INT4, 0);
    assert_non_null(o.op);
    assert_string_equal(o.op->proc, "int4eq");
    assert_int_equal(o.ret, PGC_BOOL);
    assert_true(o.op->strict);

    o = oper("||", PGC_TEXT, PGC_TEXT, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_TEXT);

    /* $1 = int8col: the unknown side takes the other side's type. */
    o = oper("=", U, PGC_INT8, 0);
    assert_non_null(o.op);
    assert_int_equal(o.l, PGC_INT8);
    assert_int_equal(o.r, PGC_INT8);
    assert_int_equal(o.ret, PGC_BOOL);

    o = oper("=", PGC_INT8, PGC_INT4, 0);
    assert_non_null(o.op);
    assert_string_equal(o.op->proc, "int84eq");

    /* 'a' = 'b' and 'a' || 'b' resolve as text. */
    o = oper("=", U, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.l, PGC_TEXT);
    assert_int_equal(o.r, PGC_TEXT);
    o = oper("||", U, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_TEXT);

    /* 1.5 + 1 is numeric; 1 + $1 makes $1 an int4. */
    o = oper("+", PGC_NUMERIC, PGC_INT4, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_NUMERIC);
    o = oper("+", PGC_INT4, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_INT4);

    o = oper("=", PGC_INT4, PGC_TEXT, 0);
    assert_null(o.op);
    assert_false(o.ambiguous);
    o = oper("no-such-op", PGC_INT4, PGC_INT4, 0);
    assert_null(o.op);
}

static void
test_oper_json_time_like(void **state)
{
    (void)state;
    op_result o = oper("->>", PGC_JSONB, PGC_TEXT, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_TEXT);
    o = oper("->>", PGC_JSONB, U, 0); /* jsonb ->> 'key' picks the text key */
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_TEXT);
    assert_int_equal(o.ret, PGC_TEXT);
    o = oper("->", PGC_JSONB, PGC_INT4, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_JSONB);
    o = oper("@>", PGC_JSONB, PGC_JSONB, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_BOOL);
    o = oper("@>", PGC_JSONB, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_JSONB);

    o = oper("-", PGC_TIMESTAMPTZ, PGC_INTERVAL, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_TIMESTAMPTZ);
    o = oper("-", PGC_TIMESTAMPTZ, PGC_TIMESTAMPTZ, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_INTERVAL);
    /* now() - $1 is timestamptz - timestamptz, as PostgreSQL decides. */
    o = oper("-", PGC_TIMESTAMPTZ, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_TIMESTAMPTZ);
    assert_int_equal(o.ret, PGC_INTERVAL);
    o = oper("+", PGC_TIMESTAMPTZ, PGC_INTERVAL, 0);
    assert_int_equal(o.ret, PGC_TIMESTAMPTZ);

    o = oper("~~", PGC_TEXT, U, 0); /* LIKE */
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_TEXT);
    assert_int_equal(o.ret, PGC_BOOL);
    o = oper("~~*", PGC_VARCHAR, U, 0); /* ILIKE on varchar goes through text */
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_BOOL);
}

static void
test_oper_arrays_enums_prefix(void **state)
{
    (void)state;
    op_result o = oper("@>", 1007, 1007, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_BOOL);
    o = oper("||", 1007, PGC_INT4, 0); /* array[1] || 2 */
    assert_non_null(o.op);
    assert_int_equal(o.ret, 1007);
    o = oper("||", 1007, U, 0);
    assert_non_null(o.op);
    assert_int_equal(o.ret, 1007);

    o = oper("=", PGC_ANYENUM, U, 0); /* enumcol = 'label' */
    assert_non_null(o.op);
    assert_int_equal(o.r, PGC_ANYENUM);
    assert_int_equal(o.ret, PGC_BOOL);

    o = oper("-", PGC_NOARG, PGC_INT4, 0);
    assert_non_null(o.op);
    assert_int_equal(o.op->left, 0);
    assert_int_equal(o.ret, PGC_INT4);
    assert_int_equal(o.l, PGC_NOARG);
    assert_int_equal(o.r, PGC_INT4);
    o = oper("-", PGC_NOARG, U, 0); /* "operator is not unique: - unknown" */
    assert_null(o.op);
    assert_true(o.ambiguous);
}

static void
test_oper_extensions(void **state)
{
    (void)state;
    uint32_t vec = id_of("vector"), cit = id_of("citext"), hs = id_of("hstore");
    unsigned vbit = pgc_extension_bit("vector");
    op_result o = oper("<=>", vec, vec, vbit);
    assert_non_null(o.op);
    assert_string_equal(o.op->extension, "vector");
    assert_int_equal(o.ret, PGC_FLOAT8);
    o = oper("<->", vec, U, vbit);
    assert_non_null(o.op);
    assert_int_equal(o.r, vec);
    o = oper("<=>", vec, vec, ALL & ~vbit);
    assert_null(o.op);
    o = oper("+", vec, vec, vbit);
    assert_int_equal(o.ret, vec);

    o = oper("=", cit, cit, pgc_extension_bit("citext"));
    assert_non_null(o.op);
    assert_string_equal(o.op->extension, "citext");
    o = oper("=", cit, U, pgc_extension_bit("citext"));
    assert_non_null(o.op);
    assert_int_equal(o.r, cit);

    o = oper("->", hs, PGC_TEXT, pgc_extension_bit("hstore"));
    assert_non_null(o.op);
    assert_int_equal(o.ret, PGC_TEXT);
}

/* ---- functions ---- */

typedef struct fn_result {
    const pgc_func *f;
    uint32_t args[8];
    uint32_t ret;
    bool ambiguous;
} fn_result;

static fn_result
call(const char *name, int nargs, const uint32_t *args, unsigned mask)
{
    fn_result r;
    memset(&r, 0, sizeof r);
    assert_true(nargs <= 8);
    r.f = pgc_resolve_func(name, nargs, args, mask, r.args, &r.ret, &r.ambiguous);
    return r;
}

static void
test_func_aggregates(void **state)
{
    (void)state;
    fn_result r = call("count", 0, NULL, 0); /* count(*) */
    assert_non_null(r.f);
    assert_int_equal(r.f->kind, 'a');
    assert_int_equal(r.ret, PGC_INT8);
    uint32_t i4[] = {PGC_INT4};
    r = call("count", 1, i4, 0);
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_INT8);
    r = call("sum", 1, i4, 0);
    assert_int_equal(r.ret, PGC_INT8);
    assert_int_equal(r.f->kind, 'a');
    assert_false(r.f->strict);
    uint32_t num[] = {PGC_NUMERIC};
    r = call("sum", 1, num, 0);
    assert_int_equal(r.ret, PGC_NUMERIC);
    r = call("avg", 1, i4, 0);
    assert_int_equal(r.ret, PGC_NUMERIC);
    uint32_t tz[] = {PGC_TIMESTAMPTZ};
    r = call("max", 1, tz, 0);
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_TIMESTAMPTZ);
    uint32_t txt[] = {PGC_TEXT};
    r = call("array_agg", 1, txt, 0);
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_TEXT_ARRAY);
    uint32_t arr[] = {1007};
    r = call("array_agg", 1, arr, 0); /* array_agg(int4[]) gives int4[] too */
    assert_int_equal(r.ret, 1007);
    uint32_t en[] = {PGC_ANYENUM};
    r = call("array_agg", 1, en, 0);
    assert_int_equal(r.ret, PGC_ANYENUM_ARRAY);
    uint32_t unk[] = {U};
    r = call("array_agg", 1, unk, 0); /* could not determine polymorphic type */
    assert_null(r.f);
    assert_true(r.ambiguous);
    uint32_t vec[] = {id_of("vector")};
    r = call("avg", 1, vec, pgc_extension_bit("vector"));
    assert_non_null(r.f);
    assert_int_equal(r.ret, vec[0]);
    r = call("row_number", 0, NULL, 0);
    assert_non_null(r.f);
    assert_int_equal(r.f->kind, 'w');
    assert_int_equal(r.ret, PGC_INT8);
}

static void
test_func_scalars(void **state)
{
    (void)state;
    fn_result r = call("now", 0, NULL, 0);
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_TIMESTAMPTZ);
    assert_int_equal(r.f->volatility, 's');

    uint32_t unk[] = {U};
    r = call("lower", 1, unk, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[0], PGC_TEXT);
    assert_int_equal(r.ret, PGC_TEXT);
    assert_true(r.f->strict);
    r = call("length", 1, unk, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[0], PGC_TEXT);
    assert_int_equal(r.ret, PGC_INT4);
    uint32_t vc[] = {PGC_VARCHAR};
    r = call("length", 1, vc, 0);
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_INT4);
    uint32_t by[] = {PGC_BYTEA};
    r = call("length", 1, by, 0);
    assert_int_equal(r.args[0], PGC_BYTEA);

    uint32_t dt[] = {U, PGC_TIMESTAMPTZ};
    r = call("date_trunc", 2, dt, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[0], PGC_TEXT);
    assert_int_equal(r.ret, PGC_TIMESTAMPTZ);
    uint32_t dp[] = {U, U};
    r = call("date_part", 2, dp, 0); /* "function date_part(unknown, unknown) is not unique" */
    assert_null(r.f);
    assert_true(r.ambiguous);

    uint32_t i4[] = {PGC_INT4};
    r = call("round", 1, i4, 0); /* round(1) is double precision */
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_FLOAT8);
    uint32_t gs[] = {PGC_INT4, U};
    r = call("generate_series", 2, gs, 0);
    assert_non_null(r.f);
    assert_true(r.f->retset);
    assert_int_equal(r.args[1], PGC_INT4);
    assert_int_equal(r.ret, PGC_INT4);

    uint32_t ua[] = {1007};
    r = call("unnest", 1, ua, 0);
    assert_non_null(r.f);
    assert_true(r.f->retset);
    assert_int_equal(r.ret, PGC_INT4);

    uint32_t ap[] = {1007, U}; /* array_position(array[1,2], $1) makes $1 an int4 */
    r = call("array_position", 2, ap, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[1], PGC_INT4);
    assert_int_equal(r.ret, PGC_INT4);

    uint32_t tc[] = {PGC_TIMESTAMPTZ, U};
    r = call("to_char", 2, tc, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[1], PGC_TEXT);

    r = call("make_interval", 1, i4, 0); /* the other six arguments have defaults */
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_INTERVAL);

    r = call("coalesce", 2, dp, 0); /* an expression for the analyzer, not a function */
    assert_null(r.f);
    assert_false(r.ambiguous);
    r = call("lower", 1, i4, 0);
    assert_null(r.f);
    assert_false(r.ambiguous);
    assert_null(pgc_resolve_func("lower", -1, NULL, 0, NULL, NULL, NULL));
}

static void
test_func_variadic(void **state)
{
    (void)state;
    uint32_t kv[] = {U, PGC_INT4, U, PGC_TEXT};
    fn_result r = call("jsonb_build_object", 4, kv, 0);
    assert_non_null(r.f);
    assert_true(r.f->variadic);
    assert_int_equal(r.f->variadic_type, PGC_ANY);
    assert_int_equal(r.ret, PGC_JSONB);
    assert_int_equal(r.args[0], U); /* "any" keeps the input type */
    assert_int_equal(r.args[1], PGC_INT4);
    assert_false(r.f->strict);
    r = call("jsonb_build_object", 0, NULL, 0);
    assert_non_null(r.f);
    assert_false(r.f->variadic);

    uint32_t c[] = {U, PGC_INT4};
    r = call("concat", 2, c, 0);
    assert_non_null(r.f);
    assert_false(r.f->strict);
    assert_int_equal(r.ret, PGC_TEXT);
    r = call("concat", 0, NULL, 0); /* VARIADIC needs at least one argument */
    assert_null(r.f);

    uint32_t path[] = {PGC_JSONB, U, U}; /* jsonb_extract_path(jsonb, VARIADIC text[]) */
    r = call("jsonb_extract_path", 3, path, 0);
    assert_non_null(r.f);
    assert_int_equal(r.args[1], PGC_TEXT);
    assert_int_equal(r.args[2], PGC_TEXT);
    assert_int_equal(r.ret, PGC_JSONB);
}

static void
test_func_extensions(void **state)
{
    (void)state;
    fn_result r = call("gen_random_uuid", 0, NULL, 0); /* core since PostgreSQL 13 */
    assert_non_null(r.f);
    assert_null(r.f->extension);
    assert_int_equal(r.ret, PGC_UUID);
    r = call("gen_random_uuid", 0, NULL, ALL); /* pgcrypto's copy is shadowed */
    assert_non_null(r.f);
    assert_null(r.f->extension);

    r = call("uuid_generate_v4", 0, NULL, 0);
    assert_null(r.f);
    r = call("uuid_generate_v4", 0, NULL, pgc_extension_bit("uuid-ossp"));
    assert_non_null(r.f);
    assert_string_equal(r.f->extension, "uuid-ossp");
    assert_int_equal(r.ret, PGC_UUID);

    uint32_t cr[] = {U, U};
    r = call("crypt", 2, cr, pgc_extension_bit("pgcrypto"));
    assert_non_null(r.f);
    assert_int_equal(r.ret, PGC_TEXT);

    uint32_t v[] = {id_of("vector"), U};
    r = call("l2_distance", 2, v, pgc_extension_bit("vector"));
    assert_non_null(r.f);
    assert_int_equal(r.args[1], v[0]);
    assert_int_equal(r.ret, PGC_FLOAT8);
    r = call("vector_dims", 1, v, pgc_extension_bit("vector"));
    assert_int_equal(r.ret, PGC_INT4);
    r = call("vector_dims", 1, v, 0);
    assert_null(r.f);

    uint32_t c[] = {id_of("citext")};
    r = call("lower", 1, c, pgc_extension_bit("citext"));
    assert_non_null(r.f);
}

static void
test_func_style_casts_and_duplicates(void **state)
{
    (void)state;
    uint32_t i4[] = {PGC_INT4}, unk[] = {U}, f8[] = {PGC_FLOAT8};
    const pgc_type *t = pgc_func_style_cast("text", 1, i4, 0, false); /* I/O conversion */
    assert_non_null(t);
    assert_int_equal(t->id, PGC_TEXT);
    t = pgc_func_style_cast("varchar", 1, unk, 0, false); /* varchar($1): $1 is varchar */
    assert_non_null(t);
    assert_int_equal(t->id, PGC_VARCHAR);
    t = pgc_func_style_cast("int8", 1, unk, 0, true); /* int8('42') */
    assert_non_null(t);
    assert_int_equal(t->id, PGC_INT8);
    assert_null(pgc_func_style_cast("int8", 1, unk, 0, false)); /* int8($1) is a call */
    assert_null(pgc_func_style_cast("int4", 1, f8, 0, false)); /* pg_proc has int4(float8) */
    assert_null(pgc_func_style_cast("lower", 1, unk, 0, true));
    assert_null(pgc_func_style_cast("int8", 2, i4, 0, true));
    assert_null(pgc_func_style_cast("citext", 1, unk, 0, true)); /* extension not created */
    assert_non_null(pgc_func_style_cast("citext", 1, unk, pgc_extension_bit("citext"), true));

    /* int4multirange(int4range) beats int4multirange(VARIADIC int4range[]) with one argument. */
    fn_result r = call("int4multirange", 1, unk, 0);
    assert_non_null(r.f);
    assert_false(r.f->variadic);
    assert_int_equal(r.args[0], id_of("int4range"));
    assert_int_equal(r.ret, id_of("int4multirange"));
    uint32_t two[] = {U, U};
    r = call("int4multirange", 2, two, 0);
    assert_non_null(r.f);
    assert_true(r.f->variadic);
    assert_int_equal(r.args[1], id_of("int4range"));
}

static void
test_func_concrete_type(void **state)
{
    (void)state;
    size_t n;
    const pgc_func *f = pgc_funcs_by_name("array_agg", &n);
    uint32_t args[] = {PGC_TEXT};
    fn_result r = call("array_agg", 1, args, 0);
    assert_non_null(r.f);
    assert_int_equal(pgc_func_concrete_type(r.f, 1, r.args, r.f->ret), PGC_TEXT_ARRAY);
    assert_int_equal(pgc_func_concrete_type(f, 1, args, PGC_INT4), PGC_INT4);
    assert_int_equal(pgc_func_concrete_type(NULL, 0, NULL, PGC_ANYELEMENT), 0);
}

static void
test_strictness(void **state)
{
    (void)state;
    size_t n;
    const pgc_func *f = pgc_funcs_by_name("lower", &n);
    assert_true(f->strict);
    f = pgc_funcs_by_name("concat", &n);
    assert_false(f->strict);
    f = pgc_funcs_by_name("concat_ws", &n);
    assert_false(f->strict);
    op_result o = oper("||", PGC_TEXT, PGC_TEXT, 0);
    assert_true(o.op->strict);
    uint32_t t[] = {PGC_TEXT, PGC_TEXT};
    fn_result r = call("string_agg", 2, t, 0);
    assert_non_null(r.f);
    assert_false(r.f->strict);
    assert_int_equal(r.ret, PGC_TEXT);
}

static void
test_closest_name(void **state)
{
    (void)state;
    assert_string_equal(pgc_closest_func_name("lenght", 0), "length");
    assert_string_equal(pgc_closest_func_name("cuont", 0), "count");
    assert_string_equal(pgc_closest_func_name("jsonb_build_objet", 0), "jsonb_build_object");
    assert_string_equal(pgc_closest_func_name("uuid_generate_v5x", ALL), "uuid_generate_v5");
    assert_null(pgc_closest_func_name("now", 0)); /* exists */
    assert_null(pgc_closest_func_name("completely_unrelated_name", 0));
    assert_null(pgc_closest_func_name("", 0));
    assert_null(pgc_closest_func_name(NULL, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extension_bits),
        cmocka_unit_test(test_type_names_and_aliases),
        cmocka_unit_test(test_type_arrays),
        cmocka_unit_test(test_type_by_oid),
        cmocka_unit_test(test_extension_types),
        cmocka_unit_test(test_data_sorted_and_bounded),
        cmocka_unit_test(test_funcs_by_name_and_out_columns),
        cmocka_unit_test(test_can_coerce),
        cmocka_unit_test(test_common_type),
        cmocka_unit_test(test_oper_basic),
        cmocka_unit_test(test_oper_json_time_like),
        cmocka_unit_test(test_oper_arrays_enums_prefix),
        cmocka_unit_test(test_oper_extensions),
        cmocka_unit_test(test_func_aggregates),
        cmocka_unit_test(test_func_scalars),
        cmocka_unit_test(test_func_variadic),
        cmocka_unit_test(test_func_extensions),
        cmocka_unit_test(test_func_style_casts_and_duplicates),
        cmocka_unit_test(test_func_concrete_type),
        cmocka_unit_test(test_strictness),
        cmocka_unit_test(test_closest_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

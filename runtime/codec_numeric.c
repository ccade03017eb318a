/*
 * codec_numeric.c - numeric in PostgreSQL's binary form, both ways: decimal text (the C API's
 * representation, exact) <-> NumericVar (ndigits, weight, sign, dscale, base-10000 digits).
 * The display scale is kept exactly, so "1.500" round-trips as "1.500". See codec.c for the rest.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pqg_int.h"

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000
#define NUMERIC_DSCALE_MAX 0x3FFF

static long
floor_div4(long e)
{
    return e >= 0 ? e / 4 : -((-e + 3) / 4);
}

static int
put_special(uint16_t sign, char *buf, size_t cap, size_t *len)
{
    if (cap < 8)
        return PQG_EINVAL;
    pqg__put16(buf, 0);
    pqg__put16(buf + 2, 0);
    pqg__put16(buf + 4, sign);
    pqg__put16(buf + 6, 0);
    *len = 8;
    return 0;
}

int
pqg__numeric_encode(const char *text, char *buf, size_t cap, size_t *len)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (strncasecmp(p, "nan", 3) == 0 && !isalnum((unsigned char)p[3]))
        return put_special(NUMERIC_NAN, buf, cap, len);
    if (strncasecmp(p, "infinity", 8) == 0 && !isalnum((unsigned char)p[8]))
        return put_special(neg ? NUMERIC_NINF : NUMERIC_PINF, buf, cap, len);
    if (strncasecmp(p, "inf", 3) == 0 && !isalnum((unsigned char)p[3]))
        return put_special(neg ? NUMERIC_NINF : NUMERIC_PINF, buf, cap, len);

    /* Digits are read in place: [int_start, int_end) then [frac_start, frac_end). */
    const char *int_start = p;
    while (isdigit((unsigned char)*p))
        p++;
    const char *int_end = p, *frac_start = p, *frac_end = p;
    if (*p == '.') {
        frac_start = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        frac_end = p;
    }
    long nint = (long)(int_end - int_start), nfrac = (long)(frac_end - frac_start);
    if (nint + nfrac == 0)
        return PQG_EINVAL;
    long exp10 = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!isdigit((unsigned char)*p))
            return PQG_EINVAL;
        while (isdigit((unsigned char)*p)) {
            exp10 = exp10 * 10 + (*p++ - '0');
            if (exp10 > 100000)
                return PQG_EINVAL;
        }
        if (eneg)
            exp10 = -exp10;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return PQG_EINVAL;

    long ndig = nint + nfrac;
    long point = nint + exp10; /* digits of the string before the decimal point */
    long dscale = nfrac - exp10;
    if (dscale < 0)
        dscale = 0;
    if (dscale > NUMERIC_DSCALE_MAX)
        return PQG_EINVAL;
#define DIGIT(i) ((i) < nint ? int_start[(i)] - '0' : frac_start[(i) - nint] - '0')
    long first = -1, last = -1;
    for (long i = 0; i < ndig; i++) {
        if (DIGIT(i) != 0) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    if (first < 0) {
        if (cap < 8)
            return PQG_EINVAL;
        pqg__put16(buf, 0);
        pqg__put16(buf + 2, 0);
        pqg__put16(buf + 4, NUMERIC_POS);
        pqg__put16(buf + 6, (uint16_t)dscale);
        *len = 8;
        return 0;
    }
    long weight = floor_div4(point - 1 - first);
    long low = floor_div4(point - 1 - last);
    long ngroups = weight - low + 1;
    if (weight > 32767 || weight < -32768 || ngroups > 32767)
        return PQG_EINVAL;
    size_t need = 8 + 2 * (size_t)ngroups;
    if (cap < need)
        return PQG_EINVAL;
    memset(buf + 8, 0, need - 8);
    static const int pow10[4] = {1, 10, 100, 1000};
    for (long i = first; i <= last; i++) {
        int d = DIGIT(i);
        if (!d)
            continue;
        long e = point - 1 - i;
        long g = floor_div4(e);
        char *slot = buf + 8 + 2 * (weight - g);
        pqg__put16(slot, (uint16_t)(pqg__get16(slot) + d * pow10[e - 4 * g]));
    }
#undef DIGIT
    pqg__put16(buf, (uint16_t)ngroups);
    pqg__put16(buf + 2, (uint16_t)(int16_t)weight);
    pqg__put16(buf + 4, neg ? NUMERIC_NEG : NUMERIC_POS);
    pqg__put16(buf + 6, (uint16_t)dscale);
    *len = need;
    return 0;
}

size_t
pqg__numeric_text_bound(const char *bin, size_t len)
{
    if (len < 8)
        return 16;
    int weight = (int16_t)pqg__get16(bin + 2);
    size_t dscale = pqg__get16(bin + 6) & NUMERIC_DSCALE_MAX;
    size_t intpart = weight >= 0 ? ((size_t)weight + 1) * 4 : 1;
    return 16 + intpart + dscale;
}

int
pqg__numeric_decode(const char *bin, size_t len, char *out, size_t cap)
{
    if (len < 8)
        return PQG_EDECODE;
    size_t ndigits = pqg__get16(bin);
    int weight = (int16_t)pqg__get16(bin + 2);
    uint16_t sign = pqg__get16(bin + 4);
    size_t dscale = pqg__get16(bin + 6);
    if (len != 8 + 2 * ndigits || cap < pqg__numeric_text_bound(bin, len) + 1)
        return PQG_EDECODE;
    const char *special = sign == NUMERIC_NAN    ? "NaN"
                          : sign == NUMERIC_PINF ? "Infinity"
                          : sign == NUMERIC_NINF ? "-Infinity"
                                                 : NULL;
    if (special) {
        snprintf(out, cap, "%s", special);
        return 0;
    }
    if ((sign != NUMERIC_POS && sign != NUMERIC_NEG) || dscale > NUMERIC_DSCALE_MAX)
        return PQG_EDECODE;
    const char *dig = bin + 8;
    for (size_t i = 0; i < ndigits; i++)
        if (pqg__get16(dig + 2 * i) > 9999)
            return PQG_EDECODE;
    char *o = out;
    if (sign == NUMERIC_NEG)
        *o++ = '-';
    if (weight < 0) {
        *o++ = '0';
    } else {
        for (int d = 0; d <= weight; d++) {
            unsigned v = (size_t)d < ndigits ? pqg__get16(dig + 2 * d) : 0;
            o += d == 0 ? sprintf(o, "%u", v) : sprintf(o, "%04u", v);
        }
    }
    if (dscale > 0) {
        *o++ = '.';
        char *frac = o;
        for (long d = weight + 1; (size_t)(o - frac) < dscale; d++) {
            unsigned v = (d >= 0 && (size_t)d < ndigits) ? pqg__get16(dig + 2 * d) : 0;
            o += sprintf(o, "%04u", v);
        }
        o = frac + dscale;
    }
    *o = '\0';
    return 0;
}

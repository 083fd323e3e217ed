/*
 * libFuzzer target: the egress proxy's request-head parser, fed whole and in two pieces (the
 * two must agree), the forwarded head it produces, the host reader, the decision, and the
 * response-head parser, all on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/egress.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct al_config *cfg;

static void
check_request(const char *buf, size_t len)
{
    static struct al_egress_req a, b;
    static char out[AL_EGRESS_HEAD_HARD_MAX + 1024];
    struct al_egress_decision d;
    size_t cut = len / 2;
    int ra, rb;

    al_egress_req_init(&a, 0);
    ra = al_egress_parse(&a, buf, len);
    al_egress_req_init(&b, 0);
    rb = al_egress_parse(&b, buf, cut);
    if (rb == 0)
        rb = al_egress_parse(&b, buf, len);
    if (ra != rb)
        __builtin_trap();
    if (ra != 1)
        return;
    if (a.head_len != b.head_len || a.head_len > len || a.head_len > AL_EGRESS_HEAD_MAX ||
        a.port == 0 || a.port > 65535 || a.host.text[0] == '\0' || a.method[0] == '\0')
        __builtin_trap();
    if (a.kind == AL_EGRESS_FORWARD) {
        int n = al_egress_forward_head(&a, buf, out, sizeof(out));

        if (n <= 0 || memchr(out, '\0', (size_t)n) != NULL)
            __builtin_trap();
    }
    if (al_egress_decide(cfg, &a.host, a.port, &d) && d.rule == NULL)
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char json[] = "{\"online\":{\"allow\":[\"*.example.com\",\"a.example:8080\","
                               "\"127.0.0.1:80\",\"[::1]:443\"],"
                               "\"resolve\":{\"a.example:8080\":\"10.0.0.1:80\"}}}";
    const char *buf = (const char *)data;
    struct al_egress_host h;
    struct al_egress_resp r;
    char tmp[4096];
    int n;

    if (cfg == NULL && al_config_parse(json, strlen(json), "/home/u", NULL, &cfg) != 0)
        abort();
    check_request(buf, size);
    if (al_egress_host_parse(buf, size, &h) == 0) {
        if (h.kind == AL_HOST_NAME && strlen(h.text) != size)
            __builtin_trap();
        (void)al_egress_addr_class(h.addr, h.kind == AL_HOST_IPV4 ? 4 : 16);
    }
    if (size == 4 || size == 16)
        (void)al_egress_addr_class(data, size);
    memset(&r, 0, sizeof(r));
    if (al_egress_resp_parse(&r, buf, size, 8192) == 1) {
        if (r.head_len > size || r.status < 100 || r.status > 999)
            __builtin_trap();
        n = al_egress_resp_head(&r, buf, 1, tmp, sizeof(tmp));
        (void)n;
        (void)al_egress_resp_close_delimited(&r, "GET");
    }
    return 0;
}

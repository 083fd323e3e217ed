/* Unit tests: approvals bind the plan's id and direction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/airlock.h>
#include <airlock/plan.h>

#define ID "00112233445566778899aabbccddeeff"
#define T0 1795402658

static struct al_seckey *sk;
static struct al_pubkey pk;
static struct al_plan_limits lim;

static void
make_plan(enum al_side from, enum al_side to, struct al_buf *out)
{
    const struct al_plan_file f[] = {{"plan.md", "Do the thing.\n", 14}};
    struct al_plan_meta m = {
        .id = ID, .from = from, .to = to, .session = "s", .created = T0, .task = "t"};

    al_buf_init(out, al_artifact_max_bytes(&lim));
    assert_int_equal(al_artifact_pack(&m, f, 1, &lim, out), 0);
}

static int
verify(const struct al_buf *plan, const struct al_buf *sig, struct al_approval *ap)
{
    return al_plan_verify(&pk, plan->data, plan->len, sig->data, sig->len, &lim, NULL, ap);
}

static void
test_sign_and_verify(void **state)
{
    struct al_artifact *a = NULL;
    struct al_approval ap;
    struct al_buf plan, sig;

    (void)state;
    make_plan(AL_SIDE_OFFLINE, AL_SIDE_ONLINE, &plan);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_plan_sign(sk, plan.data, plan.len, &lim, T0 + 60, &sig), 0);
    assert_non_null(strstr(sig.data, "trusted comment: airlock id=" ID
                                     " from=offline to=online approved=2026-11-23T02:58:38Z\n"));
    assert_int_equal(verify(&plan, &sig, &ap), 0);
    assert_string_equal(ap.id, ID);
    assert_int_equal(ap.from, AL_SIDE_OFFLINE);
    assert_int_equal(ap.approved, T0 + 60);
    assert_int_equal(al_plan_verify(&pk, plan.data, plan.len, sig.data, sig.len, &lim, &a, NULL),
                     0);
    assert_string_equal(al_artifact_manifest(a)->id, ID);
    al_artifact_free(a);
    al_buf_close(&plan);
    al_buf_close(&sig);
}

static void
test_sign_refuses_invalid_plan(void **state)
{
    struct al_buf sig;

    (void)state;
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_plan_sign(sk, "not a plan", 10, &lim, T0, &sig), AL_ETAR);
    assert_int_equal(sig.len, 0);
    al_buf_close(&sig);
}

/* A valid signature by the right key whose comment names another direction or plan. */
static void
test_comment_must_match_manifest(void **state)
{
    struct al_approval ap;
    struct al_buf plan, sig;
    char comment[AL_COMMENT_MAX + 1];
    struct al_approval wrong = {
        .id = ID, .from = AL_SIDE_ONLINE, .to = AL_SIDE_OFFLINE, .approved = T0};

    (void)state;
    make_plan(AL_SIDE_OFFLINE, AL_SIDE_ONLINE, &plan);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    /* Positive control: the right comment verifies. */
    assert_int_equal(al_plan_comment(&(struct al_approval){.id = ID,
                                                           .from = AL_SIDE_OFFLINE,
                                                           .to = AL_SIDE_ONLINE,
                                                           .approved = T0},
                                     comment, sizeof(comment)),
                     0);
    assert_int_equal(al_sign(sk, plan.data, plan.len, comment, &sig), 0);
    assert_int_equal(verify(&plan, &sig, &ap), 0);
    al_buf_reset(&sig);
    assert_int_equal(al_plan_comment(&wrong, comment, sizeof(comment)), 0);
    assert_int_equal(al_sign(sk, plan.data, plan.len, comment, &sig), 0);
    assert_int_equal(verify(&plan, &sig, &ap), AL_ECOMMENT);
    al_buf_reset(&sig);
    memcpy(wrong.id, "ffffffffffffffffffffffffffffffff", AL_ID_HEXLEN);
    wrong.from = AL_SIDE_OFFLINE;
    wrong.to = AL_SIDE_ONLINE;
    assert_int_equal(al_plan_comment(&wrong, comment, sizeof(comment)), 0);
    assert_int_equal(al_sign(sk, plan.data, plan.len, comment, &sig), 0);
    assert_int_equal(verify(&plan, &sig, &ap), AL_ECOMMENT);
    al_buf_reset(&sig);
    assert_int_equal(al_sign(sk, plan.data, plan.len, "timestamp:1 file:plan.airlock", &sig), 0);
    assert_int_equal(verify(&plan, &sig, &ap), AL_ECOMMENT);
    al_buf_close(&plan);
    al_buf_close(&sig);
}

static void
test_comment_grammar(void **state)
{
    struct al_approval a;

    (void)state;
    assert_int_equal(al_plan_comment_parse("airlock id=" ID
                                           " from=online to=offline approved=2026-11-23T00:00:00Z",
                                           &a),
                     0);
    assert_int_equal(a.to, AL_SIDE_OFFLINE);
    assert_int_equal(al_plan_comment_parse("airlock id=" ID " from=online to=offline "
                                           "approved=2026-11-23T00:00:00Z extra=1",
                                           &a),
                     AL_ECOMMENT);
    assert_int_equal(al_plan_comment_parse("airlock id=" ID " to=offline from=online "
                                           "approved=2026-11-23T00:00:00Z",
                                           &a),
                     AL_ECOMMENT);
    assert_int_equal(al_plan_comment_parse("airlock id=" ID " from=online to=online "
                                           "approved=2026-11-23T00:00:00Z",
                                           &a),
                     AL_ECOMMENT);
    assert_int_equal(al_plan_comment_parse("", &a), AL_ECOMMENT);
    /* Only the one spelling: no trailing space, no upper-case hex. */
    assert_int_equal(al_plan_comment_parse("airlock id=" ID " from=online to=offline "
                                           "approved=2026-11-23T00:00:00Z ",
                                           &a),
                     AL_ECOMMENT);
    assert_int_equal(al_plan_comment_parse("airlock id=00112233445566778899AABBCCDDEEFF "
                                           "from=online to=offline approved=2026-11-23T00:00:00Z",
                                           &a),
                     AL_ECOMMENT);
}

static void
test_every_byte_of_a_signed_plan_matters(void **state)
{
    struct al_approval ap;
    struct al_buf plan, sig;
    size_t i;

    (void)state;
    make_plan(AL_SIDE_ONLINE, AL_SIDE_OFFLINE, &plan);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_plan_sign(sk, plan.data, plan.len, &lim, T0, &sig), 0);
    assert_int_equal(verify(&plan, &sig, &ap), 0);
    for (i = 0; i < plan.len; i += 7) {
        plan.data[i] ^= 0x20;
        assert_int_equal(verify(&plan, &sig, &ap), AL_ESIGNATURE);
        plan.data[i] ^= 0x20;
    }
    al_buf_close(&plan);
    al_buf_close(&sig);
}

static int
setup(void **state)
{
    (void)state;
    if (al_init() != 0)
        return -1;
    al_plan_limits_default(&lim);
    return al_key_generate(&sk, &pk);
}

static int
teardown(void **state)
{
    (void)state;
    al_seckey_free(sk);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_and_verify),
        cmocka_unit_test(test_sign_refuses_invalid_plan),
        cmocka_unit_test(test_comment_must_match_manifest),
        cmocka_unit_test(test_comment_grammar),
        cmocka_unit_test(test_every_byte_of_a_signed_plan_matters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

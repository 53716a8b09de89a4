import RetupleTestSupport
import Testing

/// `TestBackends`' rule, stated once more with the cause: a run that
/// requires PostgreSQL has a server, or this fails beside every
/// PostgreSQL test.
@Test("PostgreSQL test server is running when the run requires it")
func postgresServerIsAvailableWhenRequired() {
    #expect(
        !TestPostgres.isRequired || TestPostgres.isAvailable,
        "RETUPLE_REQUIRE_POSTGRES=1 but RETUPLE_TEST_POSTGRES_DSN is not set: the PostgreSQL tests cannot run"
    )
}

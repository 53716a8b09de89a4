import RetupleTestSupport
import Testing

@Test("PostgreSQL test server is running when the run requires it")
func postgresServerIsAvailableWhenRequired() {
    #expect(
        !TestPostgres.isRequired || TestPostgres.isAvailable,
        "RETUPLE_REQUIRE_POSTGRES=1 but RETUPLE_TEST_POSTGRES_DSN is not set: the PostgreSQL tests would be skipped"
    )
}

// The harness that starts real server processes (and Kafka clusters) lives in bench/harness/, which
// the benchmarks and the chaos run use from dist/; the tests import it from here.
export * from '../../bench/harness/serverProcess';

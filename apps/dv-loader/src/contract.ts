// The dv-loader's contract with the Pulumi program (components/dvLoader.ts): plain data, so the program imports
// it without the app or its Kafka client.

/** The port /health answers on inside the container. */
export const HEALTH_PORT = 8090;

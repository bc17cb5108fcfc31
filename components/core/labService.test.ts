import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { container, runMocked } from "../../tests/testbed/mockLab";
import { httpUrl } from "./address";
import { labService } from "./labService";
import { LabNetwork } from "./network";

describe("labService: a service component's container, volume and addresses", () => {
  it("publishes the served port first, names the volume after the service and reports both addresses", async () => {
    let addresses: unknown;
    const run = await runMocked(() => {
      const parent = new pulumi.ComponentResource("lab:test:Service", "svc");
      const place = { prefix: "lab-t", network: new LabNetwork("net", { prefix: "lab-t" }, { parent }), bindAddress: "127.0.0.2" };
      const broker = labService(parent, place, {
        service: "broker", image: "img:1", healthcheck: { test: ["CMD", "true"] },
        serves: { port: 9092, hostPort: 15092, inLabPort: 19092 },
        ports: [{ internal: 9999, external: 15999 }],
        data: { path: "/data" },
      });
      const ui = labService(parent, place, {
        service: "ui", image: "img:2", healthcheck: { test: ["CMD", "true"] }, serves: { port: 80, hostPort: 15080 },
        data: { path: "/var/lib/ui", volume: "web" },
      });
      addresses = { broker: [broker.inLab, broker.published], ui: [httpUrl(ui.inLab), httpUrl(ui.published, "/ping")] };
      return {};
    });
    assert.deepStrictEqual(addresses, {
      broker: [{ host: "broker", port: 19092 }, { host: "127.0.0.2", port: 15092 }],
      ui: ["http://ui:80", "http://127.0.0.2:15080/ping"],
    });
    const broker = container(run, "lab-t-broker");
    assert.deepStrictEqual(broker.inputs.ports, [
      { internal: 9092, external: 15092, ip: "127.0.0.2" }, { internal: 9999, external: 15999, ip: "127.0.0.2" }]);
    assert.deepStrictEqual(broker.inputs.volumes, [{ volumeName: "lab-t-broker-data", containerPath: "/data" }]);
    assert.deepStrictEqual(container(run, "lab-t-ui").inputs.volumes, [{ volumeName: "lab-t-web-data", containerPath: "/var/lib/ui" }]);
    assert.ok(run.byName("web-data").urn.includes("lab:test:Service$docker:index/volume:Volume::web-data"), "the volume's parent is the component");
  });
});

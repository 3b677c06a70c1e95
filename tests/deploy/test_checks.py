#!/usr/bin/env python3
"""The checkers catch what they claim to: each test breaks one rule in a copy of a real manifest
or of the Containerfile and expects the matching complaint."""
import copy
import os
import pathlib
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_containerfile  # noqa: E402
import check_manifests  # noqa: E402

SOURCE = pathlib.Path(os.environ.get("SCTPKIT_SOURCE_DIR",
                                     pathlib.Path(__file__).resolve().parents[2]))
OPENSHIFT = SOURCE / "deploy" / "openshift"


def docs(name):
    return check_manifests.load(OPENSHIFT / name)


def problems(doc):
    errors = []
    check_manifests.check_document(doc, "t", errors)
    return errors


class ManifestRules(unittest.TestCase):
    def setUp(self):
        self.server = docs("sctp-server.yaml")[0]
        self.service = docs("sctp-service.yaml")[0]
        self.check = {d["kind"]: d for d in docs("cluster-check.yaml")}
        self.mc = docs("mc-load-sctp.yaml")[0]
        self.scc = docs("scc-raw.yaml")[0]

    def test_shipped_objects_pass(self):
        for doc in [self.server, self.service, self.mc, self.scc, *self.check.values()]:
            self.assertEqual(problems(doc), [], doc["kind"])

    def test_unknown_field_is_rejected_by_the_api_schema(self):
        self.server["spec"]["containers"][0]["imagePullPolice"] = "Always"
        self.assertIn("unknown field 'imagePullPolice'", "\n".join(problems(self.server)))

    def test_wrong_type_is_rejected(self):
        self.server["spec"]["containers"][0]["ports"][0]["containerPort"] = "30102"
        self.assertIn("expected an integer", "\n".join(problems(self.server)))

    def test_missing_required_field_is_rejected(self):
        del self.service["spec"]["ports"][0]["port"]
        self.assertIn("required field 'port'", "\n".join(problems(self.service)))

    def test_container_needs_image_and_command(self):
        c = self.server["spec"]["containers"][0]
        del c["image"], c["args"]
        text = "\n".join(problems(self.server))
        self.assertIn("no image", text)
        self.assertIn("neither command nor args", text)

    def test_port_protocol_must_be_explicit(self):
        del self.service["spec"]["ports"][0]["protocol"]
        self.assertIn("protocol must be set", "\n".join(problems(self.service)))

    def test_daemonset_selector_must_match_template(self):
        ds = self.check["DaemonSet"]
        ds["spec"]["selector"]["matchLabels"] = {"app.kubernetes.io/name": "other"}
        self.assertIn("does not match the template", "\n".join(problems(ds)))

    def test_host_network_needs_matching_host_port_and_dns_policy(self):
        ds = self.check["DaemonSet"]
        pod = ds["spec"]["template"]["spec"]
        pod["containers"][0]["ports"][0]["hostPort"] = 40000
        del pod["dnsPolicy"]
        text = "\n".join(problems(ds))
        self.assertIn("hostPort must equal containerPort", text)
        self.assertIn("ClusterFirstWithHostNet", text)

    def test_job_restart_policy_and_backoff(self):
        job = self.check["Job"]
        job["spec"]["template"]["spec"]["restartPolicy"] = "Always"
        del job["spec"]["backoffLimit"]
        text = "\n".join(problems(job))
        self.assertIn("restartPolicy must be one of", text)
        self.assertIn("backoffLimit", text)

    def test_capabilities_beyond_net_raw_are_rejected(self):
        sc = self.server["spec"]["containers"][0]["securityContext"]
        sc["capabilities"] = {"add": ["NET_ADMIN"]}
        sc["allowPrivilegeEscalation"] = True
        text = "\n".join(problems(self.server))
        self.assertIn("drop must hold ALL", text)
        self.assertIn("NET_ADMIN", text)
        self.assertIn("allowPrivilegeEscalation", text)

    def test_machine_config_ignition_version_and_modes(self):
        mc = copy.deepcopy(self.mc)
        mc["spec"]["config"]["ignition"]["version"] = "2.2.0"
        mc["spec"]["config"]["storage"]["files"][0]["mode"] = "0644"
        mc["spec"]["config"]["storage"]["files"][1]["contents"]["source"] = "sctp"
        del mc["metadata"]["labels"]
        text = "\n".join(problems(mc))
        self.assertIn("must be 3.x.y", text)
        self.assertIn("mode must be an integer", text)
        self.assertIn("data: URL", text)
        self.assertIn("role must name a pool", text)

    def test_machine_config_must_load_sctp(self):
        files = self.mc["spec"]["config"]["storage"]["files"]
        files[1]["contents"]["source"] = "data:,dccp"
        errors = []
        check_manifests.check_openshift_set("t", [("t", self.mc)], errors)
        self.assertIn("must load 'sctp'", "\n".join(errors))
        files[1]["contents"]["source"] = "data:text/plain;charset=utf-8;base64,c2N0cA=="
        errors = []
        check_manifests.check_openshift_set("t", [("t", self.mc)], errors)
        self.assertNotIn("must load 'sctp'", "\n".join(errors))

    def test_scc_unknown_field_and_capabilities(self):
        self.scc["allowedCapabilites"] = ["NET_RAW"]
        self.scc["allowedCapabilities"] = ["NET_RAW", "SYS_ADMIN"]
        text = "\n".join(problems(self.scc))
        self.assertIn("unknown SecurityContextConstraints field 'allowedCapabilites'", text)
        self.assertIn("SYS_ADMIN", text)

    def test_cli_spec_commands(self):
        objects = [("t", d) for name in ("mc-load-sctp.yaml", "sctp-server.yaml", "sctp-client.yaml",
                                         "sctp-service.yaml", "cluster-check.yaml")
                   for d in docs(name)]
        errors = []
        check_manifests.check_openshift_set("t", objects, errors)
        self.assertEqual(errors, [])
        _, server = check_manifests.find(objects, "Pod", "sctp-server")
        server["spec"]["containers"][0]["args"] = ["cat", "-l", "30102"]
        _, job = check_manifests.find(objects, "Job", "sctpkit-matrix")
        job["spec"]["template"]["spec"]["containers"][0]["args"] = ["exec sctpkit linktest"]
        check_manifests.check_openshift_set("t", objects, errors)
        text = "\n".join(errors)
        self.assertIn("the CLI spec says ['linktest', '--serve', '30102']", text)
        self.assertIn("--matrix", text)

    def test_peers_file_is_the_one_discovery_writes(self):
        objects = [("t", d) for d in docs("cluster-check.yaml")]
        errors = []
        check_manifests.check_openshift_set("t", objects, errors)
        self.assertEqual([e for e in errors if "peers" in e], [])
        _, job = check_manifests.find(objects, "Job", "sctpkit-matrix")
        job["spec"]["template"]["spec"]["containers"][0]["args"] = ["linktest", "--matrix", "--peers-file", "/peers/lst"]
        check_manifests.check_openshift_set("t", objects, errors)
        self.assertIn("reads its peers from '/peers/lst', which no init container writes", "\n".join(errors))

    def test_references_between_objects(self):
        objects = [("t", d) for d in docs("cluster-check.yaml") + [self.service]]
        objects = [(w, d) for w, d in objects if d["kind"] != "Role"]
        errors = []
        check_manifests.check_references(objects, errors)
        text = "\n".join(errors)
        self.assertIn("roleRef names Role 'sctpkit-matrix'", text)
        self.assertIn("selects no pod", text)

    def test_not_yaml(self):
        with tempfile.TemporaryDirectory() as scratch:
            path = pathlib.Path(scratch) / "broken.yaml"
            path.write_text("a: [1, 2\n")
            with self.assertRaises(yaml.YAMLError):
                check_manifests.load(path)


CI = "scripts/setup.sh\nscripts/test.sh release\nscripts/test.sh asan\n"


class ContainerfileRules(unittest.TestCase):
    def setUp(self):
        self.text = (SOURCE / "Containerfile").read_text()
        self.binary = os.environ.get("SCTPKIT_BINARY", "/usr/bin/tcpdump")

    def check(self, text, ci=CI):
        return "\n".join(check_containerfile.check(text, ci, self.binary))

    def test_shipped_containerfile_passes(self):
        self.assertEqual(self.check(self.text), "")

    def test_build_must_use_the_ci_scripts(self):
        text = self.text.replace("RUN scripts/build.sh release",
                                 "RUN cmake -S . -B build/release -G Ninja && ninja -C build/release")
        result = self.check(text)
        self.assertIn("must RUN scripts/build.sh release", result)
        self.assertIn("runs `cmake", result)
        self.assertIn("must RUN scripts/setup.sh",
                      self.check(self.text.replace("RUN scripts/setup.sh", "RUN true")))

    def test_ci_change_is_noticed(self):
        self.assertIn("does not run scripts/setup.sh", self.check(self.text, ci="scripts/ci-all.sh\n"))

    def test_missing_runtime_library_package_is_caught(self):
        # tcpdump links libpcap and libcrypto; drop their packages from the runtime stage.
        text = self.text.replace("libpcap0.8 libfmt9 libssl3", "libfmt9")
        errors = "\n".join(check_containerfile.check(text, CI, "/usr/bin/tcpdump"))
        self.assertIn("package libpcap0.8", errors)
        self.assertIn("package libssl3", errors)

    def test_runtime_must_be_non_root_with_sctpkit_entrypoint(self):
        text = self.text.replace("USER 10001", "USER root").replace('ENTRYPOINT ["sctpkit"]',
                                                                    'ENTRYPOINT ["bash"]')
        result = self.check(text)
        self.assertIn("non-root USER", result)
        self.assertIn("ENTRYPOINT", result)

    def test_line_continuations_and_and_lists_are_parsed(self):
        stages = check_containerfile.parse_stages("FROM a AS b\nRUN x \\\n  && y z\nFROM c\n")
        self.assertEqual([s[0] for s in stages], ["b", None])
        self.assertEqual(check_containerfile.commands_of(stages[0][1][1][1]), [["x"], ["y", "z"]])


if __name__ == "__main__":
    unittest.main()

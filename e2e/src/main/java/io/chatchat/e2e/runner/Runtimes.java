package io.chatchat.e2e.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What stands in for a container image on this machine: which host directories the sandbox sees,
 * the image's environment (PATH), and, for the few images whose own entrypoint cannot run here, the
 * command that replaces it. Every replacement is listed by {@link #substitutions()} and printed
 * when the runner starts; none of them is written into a Kubernetes object.
 */
final class Runtimes {
  /** A runtime: host paths bound read-only, the image env, and an optional entrypoint. */
  record Runtime(String name, List<Path> binds, Map<String, String> env, List<String> entrypoint) {
    /** The command the sandbox runs for a container with this (already expanded) command. */
    List<String> command(List<String> containerCommand) {
      if (entrypoint.isEmpty()) {
        return containerCommand;
      }
      List<String> out = new ArrayList<>(entrypoint);
      out.addAll(containerCommand);
      return out;
    }
  }

  private final Path runtimeScripts;
  private final Path chatchatVenv;
  private final Path driverlessVenv;
  private final Path milvusVenv;
  private final Path litellmVenv;
  private final Path valkeyDir;

  /** The Python installation the venvs were made from (their bin/python links into it). */
  private final Path pythonHome;

  /**
   * @param litellmVenv the LiteLLM proxy's venv (null: no answer-cache proxy pods run here)
   * @param valkeyDir Valkey's build, with bin/ (null: no answer-cache store pods run here)
   */
  Runtimes(
      Path runtimeScripts,
      Path chatchatVenv,
      Path driverlessVenv,
      Path milvusVenv,
      Path litellmVenv,
      Path valkeyDir)
      throws IOException {
    this.runtimeScripts = runtimeScripts;
    this.chatchatVenv = chatchatVenv;
    this.driverlessVenv = driverlessVenv;
    this.milvusVenv = milvusVenv;
    this.litellmVenv = litellmVenv;
    this.valkeyDir = valkeyDir;
    this.pythonHome = pythonHome(chatchatVenv);
  }

  /**
   * The interpreter of pod_init.py (standard library only): the base installation every runtime
   * binds, so a runtime's own venv, whatever it lacks, does not matter.
   */
  Path initPython() {
    return pythonHome.resolve("bin/python3");
  }

  private static Path pythonHome(Path venv) throws IOException {
    for (String line : Files.readAllLines(venv.resolve("pyvenv.cfg"))) {
      if (line.startsWith("home")) {
        return Path.of(line.substring(line.indexOf('=') + 1).trim()).getParent();
      }
    }
    throw new IOException("no home in " + venv.resolve("pyvenv.cfg"));
  }

  /** The runtime of an image, or null when this machine has none for it. */
  Runtime forImage(String image) {
    String repo = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String tag = repo.contains(":") ? repo.substring(repo.lastIndexOf(':') + 1) : "latest";
    repo = repo.contains(":") ? repo.substring(0, repo.lastIndexOf(':')) : repo;
    switch (repo) {
      case "chatimage/chatchat":
        return python("chatchat", chatchatVenv, List.of());
      case "registry.invalid/chatchat-broken":
        return "drivers".equals(tag)
            ? python("chatchat-without-drivers", driverlessVenv, List.of())
            : null;
      case "mysql":
      case "mariadb":
      case "library/mysql":
        return script("mariadb", "mysql_entrypoint.sh", List.of(), Map.of());
      case "postgres":
      case "pgvector/pgvector":
        return script("postgresql", "postgres_entrypoint.sh", List.of(), Map.of());
      case "local.chatchat.io/model-standin":
        return script("model-standin", "model_standin_entrypoint.sh", List.of(), Map.of());
      case "ghcr.io/berriai/litellm":
        return litellmVenv == null
            ? null
            : new Runtime(
                "litellm",
                List.of(pythonHome, litellmVenv, runtimeScripts),
                Map.of(
                    "PATH",
                    litellmVenv.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin",
                    "VIRTUAL_ENV",
                    litellmVenv.toString()),
                List.of(litellmVenv.resolve("bin/litellm").toString()));
      case "valkey/valkey":
        return valkeyDir == null
            ? null
            : new Runtime(
                "valkey",
                List.of(pythonHome, valkeyDir, runtimeScripts),
                Map.of("PATH", valkeyDir.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin"),
                List.of());
      case "milvusdb/milvus":
        return script(
            "milvus",
            "milvus_entrypoint.sh",
            List.of(milvusVenv),
            Map.of("MILVUS_VENV", milvusVenv.toString()));
      default:
        return null;
    }
  }

  /** What the runner puts in place of an image's own entrypoint, for the log. */
  List<String> substitutions() {
    return List.of(
        "chatimage/chatchat:* -> the container's own command, with python from "
            + chatchatVenv
            + " (langchain-chatchat 0.3.1.3 from PyPI, e2e/runtime/requirements.txt)",
        "registry.invalid/chatchat-broken:drivers -> the same, with python from "
            + driverlessVenv
            + " (Chatchat without pymysql, psycopg2, pgvector, pymilvus)",
        "mysql:*, mariadb:* -> e2e/runtime/mysql_entrypoint.sh: Debian's MariaDB, initialised from"
            + " MYSQL_* env as the official image does",
        "postgres:*, pgvector/pgvector:* -> e2e/runtime/postgres_entrypoint.sh: Debian's"
            + " PostgreSQL 15 (+ pgvector), initialised from POSTGRES_* env",
        "milvusdb/milvus:* -> e2e/runtime/milvus_entrypoint.sh: the Milvus 2.3.5 standalone"
            + " server of PyPI's milvus package ("
            + milvusVenv
            + "), embedded etcd and local storage, run as the image's `milvus run standalone`",
        "ghcr.io/berriai/litellm:* -> the container's args to the litellm command of "
            + litellmVenv
            + " (LiteLLM 1.100.5's proxy from PyPI, e2e/runtime/litellm-requirements.txt)",
        "valkey/valkey:* -> the container's own command, with valkey-server and valkey-cli from "
            + valkeyDir
            + " (Valkey 8.1.1 built from Debian's source tarball)",
        "local.chatchat.io/model-standin -> e2e/runtime/model_standin.py (OpenAI-compatible LLM"
            + " and lexical embeddings; stands in for vLLM and TEI, which need GPUs)");
  }

  private Runtime python(String name, Path venv, List<String> entrypoint) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", venv.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin");
    env.put("VIRTUAL_ENV", venv.toString());
    return new Runtime(name, List.of(pythonHome, venv, runtimeScripts), env, entrypoint);
  }

  /** A runtime whose entrypoint is one of the scripts, with its own extra binds and env. */
  private Runtime script(
      String name, String script, List<Path> extraBinds, Map<String, String> extraEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", chatchatVenv.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    env.put("RUNTIME_DIR", runtimeScripts.toString());
    env.putAll(extraEnv);
    List<Path> binds = new ArrayList<>(List.of(pythonHome, chatchatVenv, runtimeScripts));
    binds.addAll(extraBinds);
    return new Runtime(
        name, binds, env, List.of("/bin/sh", runtimeScripts.resolve(script).toString()));
  }
}

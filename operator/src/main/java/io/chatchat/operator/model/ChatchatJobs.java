package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One-shot Jobs that run the Chatchat image: the driver preflight, the table initialisation and the
 * knowledge-base build. Each is named after a hash of what it depends on, so it runs once per
 * version of its inputs; none trusts Chatchat's exit codes (`chatchat kb` exits 0 on failure,
 * chatchat.md §6): each verifies its own result and exits non-zero when the result is missing.
 */
public final class ChatchatJobs {
  /** Label with the input hash of a Job. */
  public static final String HASH_LABEL = "chatchat.io/job-hash";

  /** Tables Chatchat 0.3 creates (chatchat.md §3.5); the init Job checks they exist. */
  public static final List<String> TABLES =
      List.of(
          "knowledge_base",
          "knowledge_file",
          "file_doc",
          "summary_chunk",
          "conversation",
          "message");

  static final String PREFLIGHT_SCRIPT =
      "import importlib,sys\n"
          + "bad=[]\n"
          + "for m in sys.argv[1:]:\n"
          + "  try:\n"
          + "    importlib.import_module(m)\n"
          + "  except Exception as e:\n"
          + "    bad.append(m+' ('+type(e).__name__+': '+str(e)[:120]+')')\n"
          + "msg=('cannot import '+', '.join(bad)) if bad else 'all drivers import'\n"
          + "print('chatchat-operator preflight: '+msg)\n"
          + "open('/dev/termination-log','w').write(msg)\n"
          + "sys.exit(1 if bad else 0)\n";

  static final String VERIFY_TABLES_SCRIPT =
      "import sys\n"
          + "from sqlalchemy import create_engine, inspect\n"
          + "from chatchat.settings import Settings\n"
          + "have=set(inspect(create_engine(Settings.basic_settings.SQLALCHEMY_DATABASE_URI))"
          + ".get_table_names())\n"
          + "missing=[t for t in sys.argv[1:] if t not in have]\n"
          + "msg=('tables missing after create-tables: '+', '.join(missing)) if missing else"
          + " 'tables verified'\n"
          + "print('chatchat-operator init: '+msg)\n"
          + "open('/dev/termination-log','w').write(msg)\n"
          + "sys.exit(1 if missing else 0)\n";

  /**
   * The build Job's checks, run twice: {@code seed KB...} before `chatchat kb -r` copies the
   * samples knowledge base out of the Chatchat package onto a fresh claim (only `chatchat init`
   * does that, and the operator never runs it over mounted settings) and fails when a knowledge
   * base has no files; {@code verify KB...} afterwards checks each knowledge base in the database
   * and then in the vector store itself, through Chatchat's own search, so a build that failed
   * against a store that is down fails even when rows of an earlier build remain.
   */
  static final String VERIFY_BUILD_SCRIPT =
      "import shutil,sys\n"
          + "from pathlib import Path\n"
          + "from chatchat.settings import Settings\n"
          + "mode,kbs=sys.argv[1],sys.argv[2:]\n"
          + "def done(msg,bad):\n"
          + "  print('chatchat-operator kb-build: '+msg)\n"
          + "  open('/dev/termination-log','w').write(msg)\n"
          + "  sys.exit(1 if bad else 0)\n"
          + "if mode=='seed':\n"
          + "  root=Path(Settings.basic_settings.KB_ROOT_PATH)\n"
          + "  pkg=Path(Settings.basic_settings.PACKAGE_ROOT)/'data'/'knowledge_base'/'samples'\n"
          + "  for kb in kbs:\n"
          + "    if kb=='samples' and not (root/kb/'content').is_dir() and pkg.is_dir():\n"
          + "      shutil.copytree(pkg,root/kb,dirs_exist_ok=True)\n"
          + "      print('chatchat-operator kb-build: copied the samples knowledge base from the"
          + " Chatchat package')\n"
          + "  missing=[str(root/kb/'content') for kb in kbs if not (root/kb/'content').is_dir()]\n"
          + "  if missing: done('no files to build in '+', '.join(missing),True)\n"
          + "  sys.exit(0)\n"
          + "from sqlalchemy import create_engine, text\n"
          + "from chatchat.server.knowledge_base.kb_service.base import KBServiceFactory\n"
          + "e=create_engine(Settings.basic_settings.SQLALCHEMY_DATABASE_URI)\n"
          + "bad=[]\n"
          + "with e.connect() as c:\n"
          + "  for kb in kbs:\n"
          + "    n=c.execute(text('SELECT COUNT(*) FROM knowledge_file WHERE kb_name=:k AND"
          + " docs_count>0'),{'k':kb}).scalar()\n"
          + "    if not n:\n"
          + "      bad.append(kb+' (no vectorised files in the database)'); continue\n"
          + "    try:\n"
          + "      svc=KBServiceFactory.get_service_by_name(kb)\n"
          + "      docs=svc.search_docs('chatchat-operator build check',top_k=1,"
          + "score_threshold=2.0 if svc.vs_type()=='faiss' else 0.0)\n"
          + "    except Exception as ex:\n"
          + "      bad.append(kb+' (cannot search the vector store: '+type(ex).__name__+': '"
          + "+str(ex)[:300]+')'); continue\n"
          + "    if not docs: bad.append(kb+' (the vector store returned no documents)')\n"
          + "done('knowledge bases not built: '+'; '.join(bad) if bad else 'knowledge bases verified"
          + " in the database and the vector store',bad)\n";

  private ChatchatJobs() {}

  /** Hash of the preflight's inputs: the image and the modules it must import. */
  public static String preflightHash(ChatchatCluster cr, List<String> modules) {
    return ConfigHash.sha256(cr.getSpec().image + "\0" + String.join(",", modules))
        .substring(0, 10);
  }

  /**
   * Checks that the Chatchat image can import the drivers the spec needs. Its pod carries nothing
   * of the cluster's own, so clusters whose preflight pods are equal (same image, modules, pull
   * secrets, API env, resources and placement) share one Job: it is labelled with {@link
   * #preflightKey} of its pod.
   */
  public static Job preflight(ChatchatCluster cr, List<String> modules) {
    List<String> command = new ArrayList<>(List.of("python", "-c", PREFLIGHT_SCRIPT));
    command.addAll(modules);
    String hash = preflightHash(cr, modules);
    PodTemplateSpec pod = ChatchatPodTemplate.preflight(cr, Labels.COMPONENT_PREFLIGHT, command);
    Job job =
        job(
            cr,
            Names.preflightJob(cr, hash),
            Labels.COMPONENT_PREFLIGHT,
            hash,
            new Limits(0, 300),
            pod);
    job.getMetadata().getLabels().put(PREFLIGHT_KEY_LABEL, preflightKey(pod));
    return job;
  }

  /** Label of a preflight Job with the hash of its pod's spec: equal pods, equal outcome. */
  public static final String PREFLIGHT_KEY_LABEL = "chatchat.io/preflight-key";

  /** Hash of a preflight pod's spec (its labels name the cluster and are left out). */
  static String preflightKey(PodTemplateSpec pod) {
    try {
      return ConfigHash.sha256(SpecJson.MAPPER.writeValueAsString(pod.getSpec())).substring(0, 16);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Hash of the init Job's inputs: the image (a version may add tables) and the database it writes
   * to.
   */
  public static String initHash(ChatchatCluster cr, String databaseSecretDigest) {
    return ConfigHash.sha256(
            cr.getSpec().image
                + "\0"
                + cr.getSpec().metadataStore.type
                + "\0"
                + Endpoints.databaseUri(cr).name
                + "\0"
                + databaseSecretDigest)
        .substring(0, 10);
  }

  /**
   * Pod retries of the init Job. Outside a rollout (a first install) it waits for a database that
   * is not up yet: Kubernetes retries after 10 s, 20 s, 40 s… (capped at 6 min), about 25 min in
   * all. In a rollout a failure should roll back soon, so it gives up after 3 tries.
   */
  static final int INIT_RETRIES_PATIENT = 8;

  static final int INIT_RETRIES_IN_ROLLOUT = 2;

  /**
   * Creates the tables before API pods of a new version start, and verifies them.
   *
   * @param patient outside a rollout: retry for about 25 minutes instead of 3 tries
   */
  public static Job init(ChatchatCluster cr, String hash, String configHash, boolean patient) {
    String script =
        "python -m chatchat.cli kb --create-tables && python -c \"$VERIFY\" "
            + String.join(" ", TABLES);
    return job(
        cr,
        Names.initJob(cr, hash),
        Labels.COMPONENT_INIT,
        hash,
        new Limits(patient ? INIT_RETRIES_PATIENT : INIT_RETRIES_IN_ROLLOUT, patient ? 3600 : 900),
        ChatchatPodTemplate.job(
            cr,
            Labels.COMPONENT_INIT,
            configHash,
            List.of("/bin/sh", "-c", ChatchatPodTemplate.prepareDirs(cr) + " && " + script),
            false,
            VERIFY_TABLES_SCRIPT));
  }

  /** Knowledge bases the build Job rebuilds. */
  public static List<String> buildTargets(ChatchatClusterSpec spec) {
    return spec.knowledgeBase.build.knowledgeBases.isEmpty()
        ? List.of(spec.knowledgeBase.defaultKnowledgeBase)
        : spec.knowledgeBase.build.knowledgeBases;
  }

  public static String buildHash(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    return ConfigHash.sha256(
            spec.image
                + "\0"
                + spec.embedding.model()
                + "\0"
                + spec.vectorStore.type
                + "\0"
                + String.join(",", buildTargets(spec))
                + (spec.knowledgeBase.build.revision == null
                    ? ""
                    : "\0" + spec.knowledgeBase.build.revision))
        .substring(0, 10);
  }

  /**
   * Vectorises the knowledge bases' files (`chatchat kb -r`), then checks in the database that each
   * has vectorised documents.
   */
  public static Job build(ChatchatCluster cr, String configHash) {
    List<String> targets = buildTargets(cr.getSpec());
    // The knowledge-base names reach the script as its arguments ("$@"), never as script text.
    String script =
        ChatchatPodTemplate.prepareDirs(cr)
            + " && python -c \"$VERIFY\" seed \"$@\""
            + " && for kb in \"$@\"; do python -m chatchat.cli kb -r -n \"$kb\" || exit 1; done"
            + " && python -c \"$VERIFY\" verify \"$@\"";
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script, "kb-build"));
    targets.stream().map(Kubelet::literal).forEach(command::add);
    return job(
        cr,
        Names.buildJob(cr, buildHash(cr)),
        Labels.COMPONENT_KB_BUILD,
        buildHash(cr),
        new Limits(1, 7200),
        ChatchatPodTemplate.job(
            cr, Labels.COMPONENT_KB_BUILD, configHash, command, true, VERIFY_BUILD_SCRIPT));
  }

  /**
   * With a single writer, the build must run on the writer's node to mount its ReadWriteOnce
   * volume.
   */
  static Affinity besideWriter(ChatchatCluster cr) {
    if (cr.getSpec().knowledgeBase.writeMode != KnowledgeBaseSpec.WriteMode.SingleWriter) {
      return null;
    }
    return new AffinityBuilder()
        .withNewPodAffinity()
        .addNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNewLabelSelector()
        .withMatchLabels(Labels.selector(cr, Labels.COMPONENT_KB_WRITER))
        .endLabelSelector()
        .withTopologyKey("kubernetes.io/hostname")
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endPodAffinity()
        .build();
  }

  /** How often a gate Job's pod is retried, and how long the Job may run. */
  private record Limits(int backoffLimit, long deadlineSeconds) {}

  private static Job job(
      ChatchatCluster cr,
      String name,
      String component,
      String hash,
      Limits limits,
      PodTemplateSpec template) {
    Map<String, String> labels = Labels.of(cr, component);
    labels.put(HASH_LABEL, hash);
    template.getMetadata().getLabels().put(HASH_LABEL, hash);
    return new JobBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .editMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(limits.backoffLimit())
        .withActiveDeadlineSeconds(limits.deadlineSeconds())
        .withTemplate(template)
        .endSpec()
        .build();
  }
}

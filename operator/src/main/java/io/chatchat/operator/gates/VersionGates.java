package io.chatchat.operator.gates;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Endpoints;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.TierSpecs;
import io.chatchat.operator.status.Gate;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.validation.SpecValidator;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;

/**
 * The gates of a Chatchat version, in order: the driver preflight, then the table initialisation,
 * and (outside rollouts, once the embedding service and the writer serve) the knowledge-base build.
 * Pure: the Jobs to create and delete are returned.
 *
 * @param problems a failed preflight outside a rollout (DriverMissing)
 * @param driversChecked the preflight hash that passed in this pass (for status.driversChecked), or
 *     null
 * @param sharedPreflight another cluster's preflight Job this one waits for, or null
 */
public record VersionGates(
    Gate preflight,
    Gate init,
    Gate build,
    List<Job> create,
    List<Job> createAfterChat,
    List<Job> delete,
    List<Problem> problems,
    String driversChecked,
    Job sharedPreflight) {

  public static final String REASON_DRIVER_MISSING = "DriverMissing";

  /** The preflight and the initialisation passed (or are not needed): the chat tier may start. */
  public boolean chatMayStart() {
    return preflight.passed() && init.passed();
  }

  public static VersionGates evaluate(TierSpecs specs, LiveState live, SecretsView secrets) {
    Jobs jobs = new Jobs(live);
    List<Problem> problems = new ArrayList<>();
    Gate preflight = preflight(specs, secrets, jobs, problems);
    Gate init = init(specs, preflight, secrets, jobs);
    List<Job> beforeChat = List.copyOf(jobs.create);
    jobs.create.clear();
    Gate build = build(specs, preflight.passed() && init.passed(), jobs);
    return new VersionGates(
        preflight,
        init,
        build,
        beforeChat,
        List.copyOf(jobs.create),
        jobs.delete,
        problems,
        jobs.driversChecked,
        jobs.sharedPreflight);
  }

  /** The live Jobs, and the Jobs to create and delete. */
  private static final class Jobs {
    final LiveState live;
    final List<Job> create = new ArrayList<>();
    final List<Job> delete = new ArrayList<>();
    String driversChecked;
    Job sharedPreflight;

    Jobs(LiveState live) {
      this.live = live;
    }

    Gate run(ChatchatCluster cr, Job job, String running, String succeeded) {
      JobGate.Outcome o = JobGate.evaluate(cr, job, live, running, succeeded);
      if (o.create() != null) {
        create.add(o.create());
      }
      delete.addAll(o.superseded());
      return o.gate();
    }
  }

  private static Gate preflight(
      TierSpecs specs, SecretsView secrets, Jobs jobs, List<Problem> problems) {
    ChatchatCluster cr = specs.plan().want();
    List<String> modules = Endpoints.requiredModules(cr, databaseScheme(cr, secrets));
    if (modules.isEmpty()) {
      return Gate.NOT_NEEDED;
    }
    String image = cr.getSpec().image;
    String imports = String.join(", ", modules);
    String running = "Checking that " + image + " imports " + imports;
    String succeeded = "The image " + image + " imports " + imports;
    Job desired = ChatchatJobs.preflight(cr, modules);
    Gate gate = SharedPreflight.gate(cr, desired, jobs.live, running, succeeded);
    if (gate == null) {
      gate = jobs.run(cr, desired, running, succeeded);
    } else {
      jobs.delete.addAll(SharedPreflight.ownSuperseded(cr, desired, jobs.live, gate));
      jobs.sharedPreflight = SharedPreflight.waitedFor(desired, jobs.live, gate);
    }
    if (gate.passed()) {
      jobs.driversChecked = desired.getMetadata().getLabels().get(ChatchatJobs.HASH_LABEL);
    }
    if (!gate.failed()) {
      return gate;
    }
    String cannot = "cannot import the drivers this spec needs (" + imports + "): ";
    if (specs.plan().rolling()) {
      return new Gate(GateState.FAILED, "the image " + image + " " + cannot + gate.message());
    }
    problems.add(
        new Problem(
            REASON_DRIVER_MISSING,
            "The Chatchat image "
                + image
                + " "
                + cannot
                + gate.message()
                + ". Build an image that adds them (see the README, 'Chatchat image'), or"
                + " choose stores whose drivers the image has; no pod of this image was"
                + " started"));
    return gate;
  }

  private static Gate init(TierSpecs specs, Gate preflight, SecretsView secrets, Jobs jobs) {
    ChatchatCluster cr = specs.plan().want();
    ChatchatCluster initCr = specs.at(Tier.Init);
    if (!initCr.getSpec().initJob
        || initCr.getSpec().metadataStore.type == MetadataStoreSpec.Type.SQLite) {
      return Gate.NOT_NEEDED;
    }
    if (!preflight.passed() && initCr == cr) {
      return new Gate(GateState.WAITING, "Waiting for the driver preflight");
    }
    if (initCr.getSpec().metadataStore.type == MetadataStoreSpec.Type.Managed
        && !Readiness.serving(jobs.live.statefulSet(Names.database(cr)))) {
      return new Gate(GateState.WAITING, "Waiting for the database " + Names.database(cr));
    }
    String dbSecret = Endpoints.databaseUri(initCr).name;
    String hash = ChatchatJobs.initHash(initCr, secrets.digests(initCr).getOrDefault(dbSecret, ""));
    return jobs.run(
        initCr,
        ChatchatJobs.init(initCr, hash, specs.initConfigHash(), !specs.plan().rolling()),
        "Creating the database tables for " + initCr.getSpec().image,
        "Tables created and verified for " + initCr.getSpec().image);
  }

  private static Gate build(TierSpecs specs, boolean versionReady, Jobs jobs) {
    LiveState live = jobs.live;
    ChatchatCluster cr = specs.plan().want();
    if (!cr.getSpec().knowledgeBase.build.enabled) {
      return Gate.NOT_NEEDED;
    }
    if (specs.plan().rolling()) {
      return new Gate(GateState.WAITING, "Waiting for the rollout to finish");
    }
    if (!versionReady) {
      return new Gate(GateState.WAITING, "Waiting for the initialisation");
    }
    if (cr.getSpec().embedding.tei != null
        && !Readiness.serving(live.deployment(Names.embedding(cr)))) {
      return new Gate(GateState.WAITING, "Waiting for the embedding service");
    }
    if (ApiComponent.singleWriter(cr)
        && !Readiness.serving(live.deployment(Names.knowledgeBaseWriter(cr)))) {
      return new Gate(GateState.WAITING, "Waiting for the knowledge-base writer");
    }
    String targets = String.join(", ", ChatchatJobs.buildTargets(cr.getSpec()));
    return jobs.run(
        cr,
        ChatchatJobs.build(cr, specs.configHash()),
        "Building " + targets,
        "Built and verified " + targets);
  }

  /** The scheme of an external database URI (for the driver preflight), or null. */
  private static String databaseScheme(ChatchatCluster cr, SecretsView secrets) {
    if (cr.getSpec().metadataStore.type != MetadataStoreSpec.Type.External) {
      return null;
    }
    SecretKeyRef ref = cr.getSpec().metadataStore.external.uriSecretRef;
    Secret s = secrets.get(ref.name);
    String uri = s == null ? null : SpecValidator.value(s, ref.key);
    return uri == null || !uri.contains("://") ? null : uri.substring(0, uri.indexOf("://"));
  }
}

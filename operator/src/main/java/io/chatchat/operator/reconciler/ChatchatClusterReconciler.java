package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.reconciler.dependent.DisruptionBudgets;
import io.chatchat.operator.reconciler.dependent.Ingresses;
import io.chatchat.operator.reconciler.dependent.StorePolicies;
import io.chatchat.operator.rollout.DesiredState;
import io.chatchat.operator.rollout.Plan;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.chatchat.operator.rollout.RolloutClock;
import io.chatchat.operator.rollout.RolloutPlanner;
import io.chatchat.operator.rollout.RolloutStateMachine;
import io.chatchat.operator.rollout.RolloutStateMachine.Transition;
import io.chatchat.operator.rollout.SmokeGateRunner;
import io.chatchat.operator.rollout.SmokeGates;
import io.chatchat.operator.rollout.TierSpecs;
import io.chatchat.operator.status.Integrations;
import io.chatchat.operator.status.RolloutView;
import io.chatchat.operator.status.StatusComputer;
import io.chatchat.operator.status.TransitionEvents;
import io.chatchat.operator.validation.SpecValidator;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile flow, in numbered steps: observe once, validate, decide in pure code (the rollout
 * plan, each tier's objects, the gates, the canary, the state machine, the status), then act in one
 * place (apply, delete, prune, Events, the status write). Only steps 1, 2, 7, 9 and 10 talk to the
 * API server.
 */
@ControllerConfiguration(
    name = ChatchatClusterReconciler.NAME,
    fieldManager = ChatchatClusterReconciler.FIELD_MANAGER,
    // Spec changes and the retry annotation, not status updates (RolloutCommandFilter).
    generationAwareEventProcessing = false,
    informer =
        @Informer(
            onUpdateFilter = RolloutCommandFilter.class,
            informerListLimit = ClusterEventSources.LIST_PAGE),
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
// The children shaped only by the spec; invoked in step 7, on the informers of their kinds.
@Workflow(
    explicitInvocation = true,
    handleExceptionsInReconciler = true,
    dependents = {
      @Dependent(
          name = "disruption-budgets",
          type = DisruptionBudgets.class,
          useEventSourceWithName = "poddisruptionbudget"),
      @Dependent(
          name = "store-policies",
          type = StorePolicies.class,
          useEventSourceWithName = "networkpolicy"),
      @Dependent(name = "ingresses", type = Ingresses.class, useEventSourceWithName = "ingress")
    })
public class ChatchatClusterReconciler implements Reconciler<ChatchatCluster> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatchatClusterReconciler.class);

  public static final String NAME = "chatchatcluster";

  /** The one field manager of everything the operator applies. */
  public static final String FIELD_MANAGER = ChildWriter.FIELD_MANAGER;

  /** Annotate the cluster with a new value of this to roll out a rolled-back spec again. */
  public static final String RETRY_ANNOTATION = RolloutPlanner.RETRY_ANNOTATION;

  /** How often an invalid cluster is checked again (Secrets are not watched). */
  static final Duration INVALID_RECHECK = Duration.ofSeconds(10);

  private final Observer observer;
  private final CredentialsWriter credentials;
  private final DesiredStateWriter writer;
  private final StatusWriter status;
  private final SharedPreflights preflights;

  /** Wakes a cluster whose smoke-gate run, or the shared preflight it waits for, finished. */
  private final SimpleInboundEventSource<ChatchatCluster> wake =
      new SimpleInboundEventSource<>("wake-ups");

  public ChatchatClusterReconciler(
      KubernetesClient client,
      EventRecorder events,
      PrometheusMetrics metrics,
      PodAddressResolver resolver) {
    SmokeGateRunner smoke =
        new SmokeGateRunner(new SmokeGates(new OkHttpClient()), resolver, metrics);
    ApiDiscovery discovery = new ApiDiscovery(client);
    this.preflights = new SharedPreflights(wake::propagateEvent, System::nanoTime);
    this.observer = new Observer(client, smoke, discovery, preflights);
    this.credentials = new CredentialsWriter(client, events);
    this.writer =
        new DesiredStateWriter(
            new ChildWriter(client, metrics, discovery),
            smoke,
            events,
            metrics,
            cr -> wake.propagateEvent(ResourceID.fromResource(cr)),
            preflights);
    this.status = new StatusWriter(events, metrics);
  }

  @Override
  public List<EventSource<?, ChatchatCluster>> prepareEventSources(
      EventSourceContext<ChatchatCluster> context) {
    List<EventSource<?, ChatchatCluster>> sources =
        new ArrayList<>(ClusterEventSources.all(context, preflights::onJobEvent));
    sources.add(wake);
    return sources;
  }

  @Override
  public UpdateControl<ChatchatCluster> reconcile(
      ChatchatCluster cr, Context<ChatchatCluster> context) {
    Instant now = Instant.now();
    try {
      // 1. Observe: the cached children, the Secrets the spec names, the optional APIs it uses.
      LiveState live = observer.live(cr, context);
      SecretsView secrets = observer.secrets(cr);
      ApiCapabilities capabilities = observer.capabilities(cr);
      // 2. Generated credentials exist before anything reads them.
      credentials.ensure(cr, secrets);
      // 3. Validate what admission cannot.
      List<Problem> problems = new ArrayList<>(SpecValidator.validate(cr, secrets::get));
      if (!problems.isEmpty()) {
        var status =
            StatusComputer.compute(StatusComputer.Inputs.notApplied(cr, live, problems, now));
        // Nothing was applied: the cache runs as before, the drivers checked stay checked.
        status.cache = cr.getStatus() == null ? null : cr.getStatus().cache;
        status.driversChecked = driversCheckedBefore(cr);
        return finish(cr, context, status, problems, null);
      }
      // 4. Plan the rollout: steady, rolling (which tier), or rolled back. Pure.
      Plan plan = RolloutPlanner.plan(cr, secrets.digests(cr), now);
      writer.record(cr, plan.notices());
      // 5. Observe what only a rollout step needs: free GPUs, ready endpoints, smoke runs.
      var inputs = observer.rolloutInputs(plan, live);
      // 6. Decide every tier's objects, the gates and the canary. Pure.
      DesiredState desired =
          DesiredState.decide(
              TierSpecs.of(plan, live, secrets), live, secrets, inputs, capabilities);
      writer.record(cr, desired.notices());
      // 7. Act: apply, delete and prune, in dependency order (at the spec the tiers move to).
      writer.write(plan.want(), desired, live, context, problems);
      problems.addAll(desired.gates().problems());
      // 8. Move the rollout on. Pure.
      Transition t =
          plan.rolling()
              ? RolloutStateMachine.advance(plan, desired.progress(), desired.canary(), now)
              : new Transition(plan.rollout(), List.of());
      writer.record(cr, t.notices());
      // 9. The status, in one pass. Pure.
      RolloutView view = plan.view(cr.getSpec(), t.next());
      ChatchatClusterStatus next =
          StatusComputer.compute(desired.statusInputs(plan, view, live, problems, now));
      next.cache = desired.cache();
      next.driversChecked =
          desired.gates().driversChecked() != null
              ? desired.gates().driversChecked()
              : driversCheckedBefore(cr);
      Duration nextLook =
          plan.rolling()
              ? RolloutClock.nextLook(
                  plan.rollout(), t.next(), plan.want().getSpec().rollout.stepDeadlineSeconds, now)
              : null;
      if (preflights.waits(cr)) {
        // Its end wakes this cluster (SharedPreflights); the clock is the safety net.
        nextLook = earlier(nextLook, SharedPreflights.SAFETY_NET);
      }
      Duration lookForCrds = Integrations.recheckAfter(next.conditions, now);
      if (lookForCrds != null) {
        nextLook = earlier(nextLook, lookForCrds);
      }
      return finish(cr, context, next, problems, nextLook);
    } catch (ChildWriter.NamespaceTerminatingException e) {
      LOG.debug("namespace of {} is being deleted; not reconciled", cr.getMetadata().getName());
      return UpdateControl.noUpdate();
    }
  }

  private static String driversCheckedBefore(ChatchatCluster cr) {
    return cr.getStatus() == null ? null : cr.getStatus().driversChecked;
  }

  private static Duration earlier(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }

  /** 10. Events for the status transitions, the status write, and when to come back. */
  private UpdateControl<ChatchatCluster> finish(
      ChatchatCluster cr,
      Context<ChatchatCluster> context,
      ChatchatClusterStatus next,
      List<Problem> problems,
      Duration nextLook) {
    writer.record(cr, TransitionEvents.between(cr.getStatus(), next));
    status.writeIfChanged(cr, next, context);
    if (!problems.isEmpty()) {
      return UpdateControl.<ChatchatCluster>noUpdate().rescheduleAfter(INVALID_RECHECK);
    }
    // A rollout moves on events; the clock covers what no event announces (RolloutClock).
    return nextLook != null
        ? UpdateControl.<ChatchatCluster>noUpdate().rescheduleAfter(nextLook)
        : UpdateControl.noUpdate();
  }

  @Override
  public ErrorStatusUpdateControl<ChatchatCluster> updateErrorStatus(
      ChatchatCluster cr, Context<ChatchatCluster> context, Exception e) {
    return status.errorStatus(cr, e);
  }
}

package io.chatchat.operator.model;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/** The security settings every pod and container the operator runs shares. */
final class PodSecurity {
  private PodSecurity() {}

  /** RuntimeDefault seccomp; with a user id, the pod runs as that non-root user and group. */
  static PodSecurityContext pod(Long user) {
    return new PodSecurityContextBuilder()
        .withFsGroup(user)
        .withRunAsUser(user)
        .withRunAsGroup(user)
        .withRunAsNonRoot(user != null ? Boolean.TRUE : null)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** No capabilities and no privilege escalation; optionally a read-only root filesystem. */
  static SecurityContext container(boolean readOnlyRoot) {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(readOnlyRoot ? Boolean.TRUE : null)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }
}

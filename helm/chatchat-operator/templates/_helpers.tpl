{{- define "chatchat-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chatchat-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chatchat-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chatchat-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "chatchat-operator.labels" -}}
{{ include "chatchat-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: chatchat
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "chatchat-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chatchat-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "chatchat-operator.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) -}}true{{- end -}}
{{- end -}}

{{/*
What the operator does with the API, and nothing more:
- ChatchatClusters: watch them, write their status, set owner references on children
  (blockOwnerDeletion needs update on the finalizers subresource);
- its children: server-side apply Deployments, StatefulSets, Services, ConfigMaps, Jobs,
  HorizontalPodAutoscalers, PodDisruptionBudgets, Ingresses, NetworkPolicies, HTTPRoutes and
  PersistentVolumeClaims (get/list/watch for the label-filtered informers, create/patch to apply),
  delete the ones a spec change no longer asks for (garbage collection removes the rest with the
  cluster); claims are never deleted by the operator;
- Pods: read only (scheduling failures, Job termination messages);
- Secrets: get, by name, the ones a ChatchatCluster refers to (never list or watch); create the
  managed stores' credentials once, and patch their owner reference when deletionPolicy changes;
- Events: create.
*/}}
{{- define "chatchat-operator.rules" -}}
- apiGroups: ["chatchat.io"]
  resources: ["chatchatclusters"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["chatchat.io"]
  resources: ["chatchatclusters/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["chatchat.io"]
  resources: ["chatchatclusters/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
- apiGroups: [""]
  resources: ["pods"]
  # delete: a store pod of a rolled-back revision that never became Ready (forced rollback).
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses", "networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "create", "patch", "update", "delete"]
# spec.monitoring and autoscaling.keda: applied without informers, like the HTTPRoutes.
- apiGroups: ["monitoring.coreos.com"]
  resources: ["podmonitors"]
  verbs: ["get", "create", "patch", "update", "delete"]
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: ["get", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
{{- end -}}

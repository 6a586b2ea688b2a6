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
- its children: server-side apply Deployments, Services, ConfigMaps and PersistentVolumeClaims
  (get/list/watch for the label-filtered informers, create/patch to apply), delete only the WebUI
  Deployment and Service when the WebUI is turned off (garbage collection removes the rest);
- Secrets: get, by name, the ones a ChatchatCluster refers to (never list or watch);
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
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["configmaps", "persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

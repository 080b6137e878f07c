{{/* Names, labels and the per-service values used by every template. */}}

{{- define "bank-cqrs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bank-cqrs.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "bank-cqrs.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bank-cqrs.labels" -}}
helm.sh/chart: {{ include "bank-cqrs.chart" . }}
app.kubernetes.io/name: {{ include "bank-cqrs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bank-cqrs
{{- end -}}

{{/* Selector labels of one service; call with (dict "root" $ "svc" "account-command"). */}}
{{- define "bank-cqrs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bank-cqrs.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc }}
{{- end -}}

{{- define "bank-cqrs.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bank-cqrs.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Kubernetes object name of one service (the Dapr app id stays the bare service name). */}}
{{- define "bank-cqrs.svcName" -}}
{{- printf "%s-%s" (include "bank-cqrs.fullname" .root) (trimPrefix "account-" .svc) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bank-cqrs.image" -}}
{{- $repo := .image.repository -}}
{{- if .root.Values.image.registry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" .root.Values.image.registry) $repo -}}{{- end -}}
{{- printf "%s:%s" $repo .image.tag -}}
{{- end -}}

{{/* The Dapr Configuration's name. */}}
{{- define "bank-cqrs.daprConfig" -}}
{{- printf "%s-dapr" (include "bank-cqrs.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The services of this chart, as a list of dicts: app id (= Dapr app id), values key, and the paths
an Ingress may route to it (the public API only: health and metrics endpoints stay inside the
cluster). templates/deployment.yaml and every per-service object loop over it. The gateway (the
dashboard, and /api/... to both services through Dapr service invocation) is listed when
gateway.enabled.
*/}}
{{- define "bank-cqrs.services" -}}
- appId: account-command
  key: command
  ingressPaths: [{path: /accounts, pathType: Prefix}]
- appId: account-query
  key: query
  ingressPaths: [{path: /accounts, pathType: Prefix}]
{{- if .Values.gateway.enabled }}
# The dashboard is one page (routed by the location hash), its hashed assets, and the API.
- appId: gateway
  key: gateway
  ingressPaths: [{path: /, pathType: Exact}, {path: /assets, pathType: Prefix}, {path: /api, pathType: Prefix}]
{{- end }}
{{- end -}}

{{/* A component metadata item read from a Kubernetes secret through the Dapr secret store. */}}
{{- define "bank-cqrs.secretItem" -}}
- name: {{ .name }}
  secretKeyRef:
    name: {{ required (printf "%s: the name of an existing Secret is required" .what) .secret }}
    key: {{ .key }}
{{- end -}}

{{/*
The Dapr pub/sub components, as a list of dicts: name, scopes, the in-flight bound for the broker
kinds that have one (redisConcurrency, rabbitmqPrefetchCount), and whether daprd delivers it
through subscriptions (inbound: the Resiliency's inbound policy applies). dapr-pubsub.yaml
renders each one (why "outbox" has its own, high bound: see there), dapr-resiliency.yaml gives
each one its policy. "outbox" exists with stateStore.outbox.enabled only.
*/}}
{{- define "bank-cqrs.pubsubComponents" -}}
- name: pubsub
  scopes: [account-command, account-query]
  redisConcurrency: {{ .Values.pubsub.redis.concurrency | int | quote }}
  rabbitmqPrefetchCount: {{ .Values.pubsub.rabbitmq.prefetchCount | int | quote }}
  inbound: true
{{- if .Values.stateStore.outbox.enabled }}
- name: outbox
  scopes: [account-command]
  redisConcurrency: {{ .Values.pubsub.redis.outboxConcurrency | int | quote }}
  rabbitmqPrefetchCount: {{ .Values.pubsub.rabbitmq.outboxPrefetchCount | int | quote }}
  inbound: false
{{- end }}
{{- end -}}

{{/*
Checksum of the Dapr objects a sidecar reads when it starts (components, Configuration,
Resiliency): a pod template annotation, so that a change to them rolls the pods (hot reload is
off: dapr-configuration.yaml says why).
*/}}
{{- define "bank-cqrs.daprChecksum" -}}
{{- $all := "" -}}
{{- range $f := list "dapr-configuration.yaml" "dapr-pubsub.yaml" "dapr-resiliency.yaml" "dapr-statestore.yaml" -}}
{{- $all = print $all (include (print $.Template.BasePath "/" $f) $) -}}
{{- end -}}
{{- $all | sha256sum -}}
{{- end -}}

{{/* Ory Hydra's configuration file (templates/hydra.yaml), also hashed into its pod's annotations. */}}
{{- define "bank-cqrs.hydraConfig" -}}
{{- $gatewayUrl := trimSuffix "/" .Values.gateway.publicUrl -}}
{{- $gatewayOrigin := urlParse $gatewayUrl -}}
log:
  level: {{ .Values.hydra.logLevel }}
  format: json
serve:
  public:
    port: {{ .Values.hydra.service.publicPort }}
    # The dashboard (the gateway's origin) reads the discovery document and exchanges its code.
    cors:
      enabled: true
      allowed_origins: [{{ printf "%s://%s" $gatewayOrigin.scheme $gatewayOrigin.host | quote }}]
      allowed_methods: [GET, POST]
      allowed_headers: [Content-Type, Authorization]
  admin:
    port: {{ .Values.hydra.service.adminPort }}
urls:
  self:
    issuer: {{ .Values.hydra.issuer | quote }}
  login: {{ printf "%s/auth/login" $gatewayUrl | quote }}
  consent: {{ printf "%s/auth/consent" $gatewayUrl | quote }}
  logout: {{ printf "%s/auth/logout" $gatewayUrl | quote }}
  post_logout_redirect: {{ printf "%s/" $gatewayUrl | quote }}
strategies:
  access_token: jwt
# The gateway's consent page puts the user's roles into the access token.
oauth2:
  allowed_top_level_claims: [roles]
  mirror_top_level_claims: false
ttl:
  access_token: {{ .Values.hydra.accessTokenTtl }}
  refresh_token: {{ .Values.hydra.refreshTokenTtl }}
{{- end -}}

{{/* Hydra's DSN variable: from the Secret (hydra.dsnKey), or SQLite on the pod's volume (WAL, a busy
timeout and immediate transactions: concurrent token exchanges then wait instead of failing). */}}
{{- define "bank-cqrs.hydraDsn" -}}
- name: DSN
{{- if .Values.hydra.dsnKey }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.hydra.existingSecret }}
      key: {{ .Values.hydra.dsnKey }}
{{- else }}
  value: "sqlite:///var/lib/hydra/hydra.sqlite?_fk=true&_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate"
{{- end }}
{{- end -}}

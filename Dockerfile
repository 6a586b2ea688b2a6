# The operator image: built with Maven, run on a JRE-only, non-root base (uid 65532, the chart's
# runAsUser) that works with a read-only root filesystem (the chart mounts an emptyDir on /tmp).
#
#   docker build -t <registry>/chatchat-operator:0.1.0 .
#   docker push <registry>/chatchat-operator:0.1.0

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY operator/pom.xml operator/
COPY e2e/pom.xml e2e/
RUN mvn -B -q -pl operator -am dependency:go-offline
COPY operator/src operator/src
COPY crds crds
RUN mvn -B -q -pl operator -am package -DskipTests

FROM gcr.io/distroless/java17-debian12:nonroot
LABEL org.opencontainers.image.title="chatchat-operator" \
      org.opencontainers.image.description="Kubernetes operator for Langchain-Chatchat"
COPY --from=build /src/operator/target/chatchat-operator.jar /app/chatchat-operator.jar
USER 65532:65532
EXPOSE 8080
# The JVM options measured by e2e/bench/scale.sh (see the README, "Scale and sizing"); the Helm
# chart's jvmOptions replace them (JAVA_TOOL_OPTIONS), so flags on the command line would win.
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 -Xss512k" \
    MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-jar", "/app/chatchat-operator.jar"]

# syntax=docker/dockerfile:1
# The edge gateway's container image (docs/deployment.md).
#
#   docker build -t edge-gateway .                      the gateway (default target)
#   docker build -t edge-gateway-backends --target backends .   the sample backends, for config/deploy/compose
#
# Runtime: the chiseled ASP.NET image (no shell, no package manager), non-root (uid 1654, "app"), nothing written
# to the image's file system at run time, so it runs with a read-only root file system.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props NuGet.Config ./
COPY gateway/Gateway.csproj gateway/
RUN dotnet restore gateway/Gateway.csproj
COPY gateway/ gateway/
COPY clients/js/ clients/js/
RUN dotnet publish gateway/Gateway.csproj -c Release -o /out/gateway --no-restore -p:UseAppHost=false

FROM build AS build-backends
COPY backends/ backends/
RUN for b in Orders Catalog Prices; do \
      dotnet publish backends/$b/$b.csproj -c Release -o /out/backends/$b -p:UseAppHost=false || exit 1; \
    done

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS backends
WORKDIR /backends
COPY --from=build-backends /out/backends/ ./
USER $APP_UID
ENTRYPOINT ["dotnet"]

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS gateway
WORKDIR /app
COPY --from=build /out/gateway/ ./
COPY config/deploy/gateway.json /app/config/gateway.json
ENV GATEWAY_CONFIG=/app/config/gateway.json \
    ASPNETCORE_URLS= \
    DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0
# 8080 public (REST, push, negotiate), 8081 management (/metrics, /healthz, /readyz, /admin, /publish).
EXPOSE 8080 8081
USER $APP_UID
# Exec form: the gateway is PID 1 and receives SIGTERM itself, which starts the drain.
ENTRYPOINT ["dotnet", "Gateway.dll"]

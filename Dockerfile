# Build: a full Rust toolchain. Run: a slim Debian with the binary and the web front end.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p tweetchat-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/tweetchat tweetchat
COPY --from=build /src/target/release/tweetchat /usr/local/bin/tweetchat
COPY web /usr/share/tweetchat/web
USER tweetchat
ENV TWEETCHAT_BIND=0.0.0.0:8080 \
    TWEETCHAT_WEB_DIR=/usr/share/tweetchat/web \
    TWEETCHAT_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tweetchat"]
CMD ["serve"]

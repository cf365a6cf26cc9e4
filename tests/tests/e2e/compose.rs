//! There is no Docker engine on our machines, so the compose file and Dockerfile are checked
//! for what they must say.

use serde_yaml::Value;

fn repo_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn compose_runs_tweetchat_after_a_healthy_postgres_with_a_named_volume() {
    let compose: Value = serde_yaml::from_str(&repo_file("docker-compose.yml")).expect("docker-compose.yml is YAML");
    let services = &compose["services"];
    let postgres = &services["postgres"];
    assert!(postgres["image"].as_str().is_some_and(|i| i.starts_with("postgres:")));
    let check = serde_yaml::to_string(&postgres["healthcheck"]["test"]).expect("healthcheck");
    assert!(check.contains("pg_isready"), "postgres has a readiness healthcheck: {check}");
    let volume = postgres["volumes"][0].as_str().expect("a postgres volume");
    let (name, mount) = volume.split_once(':').expect("name:path");
    assert_eq!(mount, "/var/lib/postgresql/data");
    assert!(compose["volumes"].get(name).is_some(), "{name} is a named volume");

    let app = &services["tweetchat"];
    assert_eq!(app["build"]["dockerfile"].as_str(), Some("Dockerfile"));
    assert_eq!(app["depends_on"]["postgres"]["condition"].as_str(), Some("service_healthy"));
    let url = app["environment"]["DATABASE_URL"].as_str().expect("DATABASE_URL");
    assert!(url.contains("@postgres:5432/"), "tweetchat reaches the postgres service by name: {url}");
    assert!(app["ports"].as_sequence().is_some_and(|p| p.iter().any(|p| p.as_str() == Some("8080:8080"))));
}

#[test]
fn the_env_example_names_every_setting() {
    use clap::CommandFactory;
    let example = repo_file(".env.example");
    let command = tweetchat_server::settings::Cli::command();
    let names: Vec<String> =
        command.get_arguments().filter_map(|arg| arg.get_env()).map(|env| env.to_string_lossy().into_owned()).collect();
    assert!(names.len() > 10, "the settings have environment names: {names:?}");
    for name in names {
        assert!(example.contains(&format!("{name}=")), ".env.example does not mention {name}");
    }
}

#[test]
fn the_dockerfile_ships_the_binary_and_the_web_front_end() {
    let dockerfile = repo_file("Dockerfile");
    assert!(dockerfile.contains("cargo build --release --locked -p tweetchat-server"));
    assert!(dockerfile.contains("COPY web "));
    assert!(dockerfile.contains("TWEETCHAT_BIND=0.0.0.0:8080"), "listens beyond loopback inside the container");
    assert!(dockerfile.contains("USER tweetchat"), "does not run as root");
}

#[test]
fn the_multi_instance_example_puts_two_instances_on_one_database_behind_the_proxy() {
    let mut compose: Value =
        serde_yaml::from_str(&repo_file("deploy/compose.multi.yml")).expect("deploy/compose.multi.yml is YAML");
    compose.apply_merge().expect("merge keys resolve");
    let services = &compose["services"];
    let mut urls = Vec::new();
    for name in ["tweetchat-1", "tweetchat-2"] {
        let app = &services[name];
        assert_eq!(app["build"]["context"].as_str(), Some(".."), "{name} is built from the repository");
        assert_eq!(app["depends_on"]["postgres"]["condition"].as_str(), Some("service_healthy"));
        assert!(app.get("ports").is_none(), "{name} is reached through the proxy only");
        urls.push(app["environment"]["DATABASE_URL"].as_str().expect("DATABASE_URL").to_owned());
        assert_eq!(app["environment"]["TWEETCHAT_PUBLIC_URL"].as_str(), Some("http://localhost:8080"));
    }
    assert_eq!(urls[0], urls[1], "both instances share one database");
    assert!(urls[0].contains("@postgres:5432/"));
    let proxy = &services["proxy"];
    assert!(proxy["ports"].as_sequence().is_some_and(|p| p.iter().any(|p| p.as_str() == Some("8080:8080"))));
    let caddyfile = repo_file("deploy/Caddyfile");
    assert!(caddyfile.contains("reverse_proxy tweetchat-1:8080 tweetchat-2:8080"), "the proxy balances over both");
    assert!(caddyfile.contains("health_uri /readyz"));
}

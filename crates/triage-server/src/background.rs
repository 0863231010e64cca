//! A server on its own thread and runtime, bound to an ephemeral loopback port: what
//! the tests, the CLI tests and the load generator run against. The real server code
//! path (`serve`), a real socket, a real database file; only the clock is chosen.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use triage_core::clock::Clock;
use triage_store::{Store, StoreError, StoreOptions};

use crate::{AppState, JiraDeployment, Outbound};

pub struct BackgroundServer {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// Opens `db` and serves it on 127.0.0.1 with an ephemeral port.
    pub fn start(
        db: &str,
        options: StoreOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<BackgroundServer, StoreError> {
        Self::start_with(
            db,
            options,
            clock,
            Outbound::default(),
            JiraDeployment::default(),
        )
    }

    /// [`BackgroundServer::start`], sending notifications as `outbound` says (its
    /// public address is the server's own unless set), its Jira-compatible API answering
    /// as `jira` says.
    pub fn start_with(
        db: &str,
        options: StoreOptions,
        clock: Arc<dyn Clock>,
        mut outbound: Outbound,
        jira: JiraDeployment,
    ) -> Result<BackgroundServer, StoreError> {
        let (ready_sender, ready) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let db = db.to_string();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let store = match Store::open(&db, options).await {
                    Ok(store) => store,
                    Err(error) => {
                        let _ = ready_sender.send(Err(error));
                        return;
                    }
                };
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a loopback port");
                let address = listener.local_addr().expect("a bound address");
                let _ = ready_sender.send(Ok(address));
                outbound
                    .public_url
                    .get_or_insert_with(|| format!("http://{address}"));
                let state = AppState::new(store.clone(), clock)
                    .with_outbound(outbound)
                    .with_jira(jira);
                let shutdown = async move {
                    let _ = stopped.await;
                };
                if let Err(error) = crate::serve(listener, state, shutdown).await {
                    tracing::error!(%error, "background server failed");
                }
                store.close().await;
            });
        });
        let address = ready
            .recv()
            .map_err(|_| StoreError::Migration("the server thread died while starting".into()))??;
        Ok(BackgroundServer {
            address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the server and waits until its database is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

//! jgt's own small Spark Connect client: one HTTP/2 channel to the
//! server, one session, and the few RPCs jgt needs (`ExecutePlan` for
//! SQL, `AnalyzePlan` for schemas, `Config`, `Interrupt`). Its methods
//! block on a Tokio runtime the client owns (shared by its clones), since
//! jgt's [`Adapter`](jgt_exec::Adapter) is synchronous.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arrow_array::RecordBatch;
use jgt_exec::ExecError;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::error::{self, Unreachable};
use crate::proto::execute_plan_response::ResponseType;
use crate::proto::spark_connect_service_client::SparkConnectServiceClient;
use crate::proto::{self as pb};

/// How long the first request of a session may take (Spark starts the
/// session then; a busy local server can take a while).
const FIRST_ANSWER: Duration = Duration::from_secs(60);

/// The largest message sent or received: Spark's own default limit.
const MAX_MESSAGE: usize = 128 * 1024 * 1024;

/// What the client tells the server it is.
const CLIENT_TYPE: &str = concat!("jgt/", env!("CARGO_PKG_VERSION"));

/// Adds `authorization: Bearer <token>` to every request when there is a
/// token. Its `Debug` never shows the token.
#[derive(Clone)]
pub(crate) struct Auth {
    header: Option<MetadataValue<Ascii>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.header.is_some() {
            "Bearer <hidden>"
        } else {
            "none"
        };
        f.debug_struct("Auth").field("header", &shown).finish()
    }
}

impl tonic::service::Interceptor for Auth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(header) = &self.header {
            request
                .metadata_mut()
                .insert("authorization", header.clone());
        }
        Ok(request)
    }
}

type Grpc = SparkConnectServiceClient<InterceptedService<Channel, Auth>>;

/// Where to connect and as whom (the adapter's options, minus the schema).
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) token: Option<String>,
    pub(crate) user: String,
    pub(crate) connect_timeout: Duration,
}

/// Which engine answers. They speak one protocol but differ in the SQL
/// they take: Sail (0.7) cannot rename tables or views nor add columns,
/// and overwrites a partitioned table whole; it can replace a table
/// (`create or replace table`), which Spark cannot without Delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    /// Apache Spark (or anything reporting a Spark version: Databricks).
    Spark,
    /// Sail, which reports its own version (0.x) from `version()`.
    Sail,
}

impl Engine {
    /// The engine whose SQL `version()` returned `version`: Spark's is
    /// `4.3.0 <commit>`, Sail's its own, `0.7.2`.
    pub(crate) fn from_version(version: &str) -> Engine {
        let major = version
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse::<u32>().ok());
        match major {
            Some(n) if n < 3 => Engine::Sail,
            _ => Engine::Spark,
        }
    }
}

/// One Spark Connect session. Clones share the channel, the runtime and
/// the session (so they see the same temporary views and catalogs) but
/// tag their operations apart, so one clone's [`interrupt`](Client::interrupt)
/// cancels only what that clone runs.
#[derive(Clone)]
pub(crate) struct Client {
    session: Arc<Session>,
    grpc: Grpc,
    user: String,
    tag: String,
    /// Set by [`interrupt`](Client::interrupt): Sail ends an interrupted
    /// operation's stream as if it were complete, so the client must
    /// remember that it asked.
    interrupted: Arc<AtomicBool>,
    address: (String, u16),
    engine: Engine,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &error::address(&self.address.0, self.address.1))
            .field("session_id", &self.session.id)
            .field("user", &self.user)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// The session and the runtime its client blocks on, shared by a
/// client's clones. When the last clone goes, the session is released on
/// the server (its temporary views and state go with it), then the
/// runtime stops.
struct Session {
    runtime: tokio::runtime::Runtime,
    grpc: Grpc,
    id: String,
    user: String,
}

impl Drop for Session {
    fn drop(&mut self) {
        let request = pb::ReleaseSessionRequest {
            session_id: self.id.clone(),
            user_context: Some(user_context(&self.user)),
            client_type: Some(CLIENT_TYPE.into()),
            ..Default::default()
        };
        let mut grpc = self.grpc.clone();
        // Best effort: a server that is gone forgets the session anyway.
        let _ = self.runtime.block_on(async move {
            tokio::time::timeout(Duration::from_secs(5), grpc.release_session(request)).await
        });
    }
}

/// Who the requests come from.
fn user_context(user: &str) -> pb::UserContext {
    pb::UserContext {
        user_id: user.into(),
        user_name: user.into(),
        extensions: Vec::new(),
    }
}

/// What an `ExecutePlan` gave back: Arrow batches, and the columns when
/// there was no batch to read them from.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    pub(crate) batches: Vec<RecordBatch>,
    pub(crate) schema: Option<pb::DataType>,
}

impl Client {
    /// Connects to `target` and starts a session, with a first cheap
    /// request (setting `conf`), so a wrong host or port fails here, in
    /// one clear line, within the connect timeout.
    pub(crate) fn connect(target: &Target, conf: &[(&str, &str)]) -> Result<Self, ExecError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("jgt-spark")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|err| ExecError::Open {
                path: error::address(&target.host, target.port).into(),
                message: format!("cannot start the network runtime: {err}"),
            })?;
        let channel = runtime.block_on(open_channel(target))?;
        let header = match &target.token {
            Some(token) => Some(
                format!("Bearer {token}")
                    .parse::<MetadataValue<Ascii>>()
                    .map_err(|_| ExecError::Open {
                        path: error::address(&target.host, target.port).into(),
                        message: "the profile's token holds characters an HTTP header cannot"
                            .into(),
                    })?,
            ),
            None => None,
        };
        let grpc = SparkConnectServiceClient::with_interceptor(channel, Auth { header })
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
        let session = Session {
            runtime,
            grpc: grpc.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            user: target.user.clone(),
        };
        let client = Client {
            session: Arc::new(session),
            grpc,
            user: target.user.clone(),
            tag: String::new(),
            interrupted: Arc::default(),
            address: (target.host.clone(), target.port),
            engine: Engine::Spark,
        }
        .retagged();
        client.first_request(target, conf)?;
        let version = crate::catalog::text(&client, "select version()")
            .ok()
            .and_then(|result| result.rows.first().cloned())
            .and_then(|row| row.first().cloned().flatten())
            .unwrap_or_default();
        Ok(Client {
            engine: Engine::from_version(&version),
            ..client
        })
    }

    /// The engine at the other end.
    pub(crate) fn engine(&self) -> Engine {
        self.engine
    }

    /// A clone on the same session with a tag of its own.
    pub(crate) fn retagged(mut self) -> Self {
        self.tag = format!("jgt-{}", uuid::Uuid::new_v4().simple());
        self.interrupted = Arc::default();
        self
    }

    fn first_request(&self, target: &Target, conf: &[(&str, &str)]) -> Result<(), ExecError> {
        let request = self.config_request(conf);
        let mut grpc = self.grpc.clone();
        let answer = self.session.runtime.block_on(async move {
            tokio::time::timeout(FIRST_ANSWER, grpc.config(request)).await
        });
        match answer {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(status)) if status.code() == tonic::Code::Unavailable => {
                Err(Unreachable::Other(error::trim(status.message()))
                    .error(&target.host, target.port))
            }
            Ok(Err(status)) if is_server_error(&status) => Err(error::server(status)),
            Ok(Err(status)) => Err(error::not_spark(&target.host, target.port, &status)),
            Err(_) => Err(Unreachable::TimedOut(FIRST_ANSWER).error(&target.host, target.port)),
        }
    }

    fn user_context(&self) -> Option<pb::UserContext> {
        Some(user_context(&self.user))
    }

    fn config_request(&self, conf: &[(&str, &str)]) -> pb::ConfigRequest {
        let pairs = conf
            .iter()
            .map(|(key, value)| pb::KeyValue {
                key: key.to_string(),
                value: Some(value.to_string()),
            })
            .collect();
        pb::ConfigRequest {
            session_id: self.session.id.clone(),
            client_observed_server_side_session_id: None,
            user_context: self.user_context(),
            operation: Some(pb::config_request::Operation {
                op_type: Some(pb::config_request::operation::OpType::Set(
                    pb::config_request::Set {
                        pairs,
                        silent: None,
                    },
                )),
            }),
            client_type: Some(CLIENT_TYPE.into()),
        }
    }

    /// Runs `plan`, collecting every Arrow batch of its result.
    pub(crate) fn execute(&self, plan: pb::plan::OpType) -> Result<Rows, ExecError> {
        let request = pb::ExecutePlanRequest {
            session_id: self.session.id.clone(),
            client_observed_server_side_session_id: None,
            user_context: self.user_context(),
            operation_id: None,
            plan: Some(pb::Plan {
                op_type: Some(plan),
            }),
            client_type: Some(CLIENT_TYPE.into()),
            request_options: Vec::new(),
            tags: vec![self.tag.clone()],
        };
        let mut grpc = self.grpc.clone();
        self.interrupted.store(false, Ordering::SeqCst);
        let rows = self.session.runtime.block_on(async move {
            let mut stream = grpc
                .execute_plan(request)
                .await
                .map_err(error::server)?
                .into_inner();
            let mut rows = Rows::default();
            while let Some(response) = stream.message().await.map_err(error::server)? {
                if let Some(schema) = response.schema {
                    rows.schema = Some(schema);
                }
                if let Some(ResponseType::ArrowBatch(batch)) = response.response_type {
                    rows.batches.extend(crate::arrow::read_ipc(&batch.data)?);
                }
            }
            Ok(rows)
        });
        match self.interrupted.swap(false, Ordering::SeqCst) {
            true => Err(ExecError::Sql {
                message: "interrupted: the operation was cancelled".into(),
            }),
            false => rows,
        }
    }

    /// Runs one SQL query and returns its rows.
    pub(crate) fn query(&self, sql: &str) -> Result<Rows, ExecError> {
        self.execute(pb::plan::OpType::Root(sql_relation(sql)))
    }

    /// Runs one SQL statement for its effect (whatever rows it gives, as
    /// Sail does for DDL, are dropped).
    pub(crate) fn command(&self, sql: &str) -> Result<(), ExecError> {
        #[allow(deprecated)]
        let command = pb::SqlCommand {
            input: Some(sql_relation(sql)),
            ..Default::default()
        };
        self.execute(pb::plan::OpType::Command(pb::Command {
            command_type: Some(pb::command::CommandType::SqlCommand(command)),
        }))
        .map(drop)
    }

    /// Makes `name` a temporary view (of this session) over the rows of an
    /// Arrow IPC stream.
    pub(crate) fn temp_view_of_rows(&self, name: &str, ipc: Vec<u8>) -> Result<(), ExecError> {
        let rows = pb::Relation {
            common: None,
            rel_type: Some(pb::relation::RelType::LocalRelation(pb::LocalRelation {
                data: Some(ipc),
                schema: None,
            })),
        };
        let view = pb::CreateDataFrameViewCommand {
            input: Some(rows),
            name: name.into(),
            is_global: false,
            replace: true,
        };
        self.execute(pb::plan::OpType::Command(pb::Command {
            command_type: Some(pb::command::CommandType::CreateDataframeView(view)),
        }))
        .map(drop)
    }

    /// Sends one `AnalyzePlan` request and returns its result.
    fn analyze(
        &self,
        analyze: pb::analyze_plan_request::Analyze,
    ) -> Result<Option<pb::analyze_plan_response::Result>, ExecError> {
        let request = pb::AnalyzePlanRequest {
            session_id: self.session.id.clone(),
            client_observed_server_side_session_id: None,
            user_context: self.user_context(),
            client_type: Some(CLIENT_TYPE.into()),
            analyze: Some(analyze),
        };
        let mut grpc = self.grpc.clone();
        let response = self
            .session
            .runtime
            .block_on(async move { grpc.analyze_plan(request).await })
            .map_err(error::server)?;
        Ok(response.into_inner().result)
    }

    /// The schema (a struct type) of the rows `sql` would return.
    pub(crate) fn schema(&self, sql: &str) -> Result<pb::DataType, ExecError> {
        let plan = pb::Plan {
            op_type: Some(pb::plan::OpType::Root(sql_relation(sql))),
        };
        let analyze = pb::analyze_plan_request::Analyze::Schema(pb::analyze_plan_request::Schema {
            plan: Some(plan),
        });
        match self.analyze(analyze)? {
            Some(pb::analyze_plan_response::Result::Schema(schema)) => {
                schema.schema.ok_or_else(|| no_schema(sql))
            }
            _ => Err(no_schema(sql)),
        }
    }

    /// The version the server says it is (Spark's version; Sail answers
    /// with the Spark version it is compatible with).
    pub(crate) fn version(&self) -> Result<String, ExecError> {
        let analyze = pb::analyze_plan_request::Analyze::SparkVersion(
            pb::analyze_plan_request::SparkVersion {},
        );
        match self.analyze(analyze)? {
            Some(pb::analyze_plan_response::Result::SparkVersion(v)) => Ok(v.version),
            _ => Ok(String::new()),
        }
    }

    /// Cancels whatever this client (this tag) is running now.
    pub(crate) fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        let request = pb::InterruptRequest {
            session_id: self.session.id.clone(),
            client_observed_server_side_session_id: None,
            user_context: self.user_context(),
            client_type: Some(CLIENT_TYPE.into()),
            interrupt_type: pb::interrupt_request::InterruptType::Tag as i32,
            interrupt: Some(pb::interrupt_request::Interrupt::OperationTag(
                self.tag.clone(),
            )),
        };
        let mut grpc = self.grpc.clone();
        let _ = self.session.runtime.block_on(async move {
            tokio::time::timeout(Duration::from_secs(10), grpc.interrupt(request)).await
        });
    }
}

fn no_schema(sql: &str) -> ExecError {
    ExecError::Sql {
        message: format!("the server gave no schema for: {}", sql.trim()),
    }
}

/// Whether a failed first request came from a Spark Connect server that
/// refused it (an authentication or configuration error), rather than
/// from something that is not one.
fn is_server_error(status: &tonic::Status) -> bool {
    use tonic::Code;
    matches!(
        status.code(),
        Code::Internal
            | Code::InvalidArgument
            | Code::Unauthenticated
            | Code::PermissionDenied
            | Code::FailedPrecondition
    ) && !status.message().contains("content-type")
}

/// A relation that runs `sql`.
fn sql_relation(sql: &str) -> pb::Relation {
    pb::Relation {
        common: None,
        rel_type: Some(pb::relation::RelType::Sql(pb::Sql {
            query: sql.into(),
            ..Default::default()
        })),
    }
}

/// Opens the channel, within `target.connect_timeout`.
async fn open_channel(target: &Target) -> Result<Channel, ExecError> {
    let unreachable = |why: Unreachable| why.error(&target.host, target.port);
    let uri = format!("http://{}:{}", target.host, target.port);
    let endpoint = Endpoint::from_shared(uri)
        .map_err(|err| unreachable(Unreachable::Other(format!("not a valid address: {err}"))))?
        .connect_timeout(target.connect_timeout)
        .tcp_nodelay(true);
    match tokio::time::timeout(target.connect_timeout, endpoint.connect()).await {
        Ok(Ok(channel)) => Ok(channel),
        Ok(Err(err)) => Err(unreachable(match Unreachable::of(&err) {
            Unreachable::TimedOut(_) => Unreachable::TimedOut(target.connect_timeout),
            other => other,
        })),
        Err(_) => Err(unreachable(Unreachable::TimedOut(target.connect_timeout))),
    }
}
